/**
 * Keeps the EPCIS projection up with the index: reads the chain's logs after its cursor, in
 * chain order, and stores each as the EPCIS event it reads as, with its eventID — the one it
 * was captured with, else the CBV 2.0 event hash of the event as served. A log whose detail
 * this gateway does not hold yet waits, and is projected when the detail comes (later in seq
 * order, so a page or a subscription that has gone past its chain position still sees it).
 * A correction restates the event it corrects with an errorDeclaration (same eventID, a new
 * place in seq order) and, for a supersede, adds the corrective event.
 *
 * Called before every EPCIS read and by the subscriptions' worker; each call is one transaction.
 */
import { epcisEventHash } from "../../domain/epcis/event-hash";
import { declareError, projectCertification, projectLedgerEvent, type ChainFacts, type EpcisEvent, type ProjectionSettings } from "../../domain/epcis/project-event";
import { cbvShortName, DOCUMENT_CONTEXT } from "../../domain/epcis/vocabulary";
import { eventKindName } from "../../domain/event-kinds";
import type { EpcisEventStore, LogToProject } from "../../store/epcis-events";
import { classKey } from "./query-params";

export interface ProjectorSettings extends ProjectionSettings {
  chainId: number;
  contract: string;
}

/** Logs projected per call at most, so that one call holds the database briefly. */
const LOGS_PER_CALL = 2000;

export class EpcisProjector {
  constructor(
    private readonly store: EpcisEventStore,
    private readonly settings: ProjectorSettings,
  ) {}

  /** Projects what the index holds beyond the projection (up to `limit` logs); answers how many logs it read. */
  catchUp(limit = LOGS_PER_CALL): number {
    return this.store.transaction(() => {
      const arrived = this.store.waitingWithDetail(limit);
      for (const log of arrived) {
        this.project(log);
        this.store.removeWaiting(log);
      }
      const logs = this.store.logsAfter(this.store.cursor(), limit);
      for (const log of logs) {
        if (log.detail === null) this.store.addWaiting(log);
        else this.project(log);
      }
      if (logs.length) this.store.setCursor(logs[logs.length - 1]);
      return arrived.length + logs.length;
    });
  }

  /** Catches up completely (a query answers from everything indexed). */
  catchUpAll(): void {
    while (this.catchUp() > 0) {
      // each call projects up to LOGS_PER_CALL logs
    }
  }

  private project(log: LogToProject): void {
    const detail = JSON.parse(log.detail!) as Record<string, unknown>;
    const chain: ChainFacts = {
      chainId: this.settings.chainId,
      contract: this.settings.contract,
      transactionHash: log.transactionHash,
      blockNumber: log.block,
      logIndex: log.logIndex,
      dataHash: log.dataHash,
      signer: log.signer,
      blockTime: log.blockTime,
    };
    if (log.kind === "attestation") {
      const subject = { batchId: log.subjectKind === 0 ? log.subject : undefined, gtin: log.gtin ?? "" };
      this.put(log, 0, projectCertification(detail, subject, chain, this.settings));
      return;
    }
    const kind = eventKindName(log.eventKind!);
    if (kind !== "correction") {
      const inputs = JSON.parse(log.inputs) as string[];
      this.put(log, 0, projectLedgerEvent(kind, log.subject, inputs, detail, chain, this.settings), detail);
      return;
    }
    // A supersede's corrective event: the replacement's facts, as the writer restated them.
    let correctiveId: string | undefined;
    const replacement = detail.replacement as Record<string, unknown> | undefined;
    if (replacement) {
      const { type: replacedKind, ...facts } = replacement;
      const restated: Record<string, unknown> = { ...detail, ...facts, type: replacedKind };
      delete restated.replacement;
      delete restated.epcis;
      const kindOfReplacement = String(replacedKind ?? detail.correctsKind) as Parameters<typeof projectLedgerEvent>[0];
      correctiveId = this.put(log, 1, projectLedgerEvent(kindOfReplacement, log.subject, [], restated, chain, this.settings));
    }
    const corrected = this.store.byDataHash(String(detail.corrects));
    if (corrected) {
      const { eventID, ...event } = JSON.parse(corrected.event) as EpcisEvent;
      this.put(log, 0, declareError(event, detail, chain, correctiveId), undefined, String(eventID));
    }
  }

  /** Stores an event with its eventID; answers the id. */
  private put(log: LogToProject, part: number, event: EpcisEvent, detail?: Record<string, unknown>, declares?: string): string {
    const captured = (detail?.epcis as { eventID?: unknown } | undefined)?.eventID;
    let eventId = declares ?? (typeof captured === "string" ? captured : epcisEventHash(event, DOCUMENT_CONTEXT));
    // Another log already serves under a captured eventID (a document sent to two gateways): this one takes its hash.
    if (!declares && this.store.byEventId(eventId)) eventId = epcisEventHash(event, DOCUMENT_CONTEXT);
    const { type, ...rest } = event;
    const served = { type, eventID: eventId, ...rest };
    this.store.put({
      eventId,
      position: log,
      part,
      dataHash: log.dataHash,
      eventType: String(type),
      bizStep: typeof event.bizStep === "string" ? cbvShortName(event.bizStep) : null,
      disposition: typeof event.disposition === "string" ? cbvShortName(event.disposition) : null,
      eventTime: Date.parse(String(event.eventTime)),
      recordTime: Date.parse(String(event.recordTime)),
      bizLocation: (event.bizLocation as { id?: string } | undefined)?.id ?? null,
      readPoint: (event.readPoint as { id?: string } | undefined)?.id ?? null,
      event: JSON.stringify(served),
      classes: classesOf(event),
    });
    return eventId;
  }
}

function classesOf(event: EpcisEvent): string[] {
  const keys = new Set<string>();
  for (const field of ["quantityList", "inputQuantityList", "outputQuantityList"]) {
    for (const element of (event[field] ?? []) as Array<{ epcClass: string }>) {
      try {
        keys.add(classKey(element.epcClass));
      } catch {
        // not a lot or a product line: not matched by MATCH_epcClass
      }
    }
  }
  return [...keys];
}
