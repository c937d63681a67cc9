/**
 * EPCIS capture: an EPCISDocument from an organisation becomes signed ledger events of that
 * organisation, all or none. The document must pass GS1's schema (else 400, no job); then each
 * event is read as the write the API would take (capture-mapping), and the writes are planned
 * by the ledger's rules and committed in one transaction (EventService.writeCustodialAll), with
 * the job and each eventID recorded beside them. A document with one event the ledger cannot
 * represent, or one the rules refuse, records nothing: its job reports the problems per event.
 * An eventID captured before (given, or the CBV 2.0 hash of the event as sent) is not recorded
 * again, so a document sent twice is recorded once.
 */
import { randomUUID } from "node:crypto";
import { sameQuantity, writeOfEpcisEvent, type CaptureProblem, type CapturedWrite } from "../../domain/epcis/capture-mapping";
import { epcisEventHash } from "../../domain/epcis/event-hash";
import { epcisSchemaProblems } from "../../domain/epcis/schema-check";
import type { PlannedEvent, WriteRequest } from "../../domain/ledger-types";
import { DomainError } from "../../domain/errors";
import type { EpcisCaptureRepository } from "../../store/epcis-capture-repository";
import type { Org } from "../../store/org-repository";
import { WriteRefusal, type EventService } from "../event-service";
import type { EventStatusView } from "../event-status";
import { EpcisProblem } from "./epcis-problems";

export interface CaptureLimits {
  /** Events per document (GS1-EPCIS-Capture-Limit). */
  maxEvents: number;
  /** Bytes per document (GS1-EPCIS-Capture-File-Size-Limit). */
  maxBytes: number;
}

export const CAPTURE_DEFAULTS: CaptureLimits = { maxEvents: 500, maxBytes: 1024 * 1024 };

export interface CaptureDeps {
  events: Pick<EventService, "writeCustodialAll">;
  captures: EpcisCaptureRepository;
  /** An organisation named by a party URI: by GLN (…/417/{gln}) where it has one. */
  organisationOf(partyUri: string): string | undefined;
  eventStatus(outboxId: string): EventStatusView | undefined;
}

/** A capture job as `GET /epcis/capture/{captureID}` reports it. */
export interface CaptureJobView {
  captureID: string;
  createdAt: string;
  running: boolean;
  success: boolean;
  captureErrorBehaviour: "rollback";
  errors: Array<Record<string, unknown>>;
  /** Each event of the document: its eventID, the ledger event it became, and where that stands. */
  "ledger:events": Array<{ eventID: string; eventId: string | null; status: string; transactionHash?: string; blockNumber?: number; error?: string }>;
}

export class EpcisCaptureService {
  constructor(private readonly deps: CaptureDeps) {}

  /** Takes a document; answers the capture's id. Throws an EpcisProblem when the document is not one (nothing recorded, no job). */
  async capture(org: Org, document: unknown): Promise<string> {
    if (!document || typeof document !== "object" || (document as { type?: unknown }).type !== "EPCISDocument") {
      throw new EpcisProblem("ValidationException", 400, "the body must be an EPCISDocument", "/type");
    }
    const problems = epcisSchemaProblems(document);
    if (problems.length) {
      throw new EpcisProblem("ValidationException", 400, "the document does not pass GS1's EPCIS 2.0 JSON Schema", problems[0].pointer, problems);
    }
    const doc = document as { "@context": unknown; epcisBody: { eventList: Array<Record<string, unknown>> } };
    const eventList = doc.epcisBody.eventList;
    const captureId = randomUUID();
    const eventIds = eventList.map((event) => (typeof event.eventID === "string" ? event.eventID : epcisEventHash(event, doc["@context"])));
    const job = { id: captureId, orgId: org.id, createdAt: new Date().toISOString(), eventIds };

    const writes: CapturedWrite[] = [];
    const refused: CaptureProblem[] = [];
    eventList.forEach((event, i) => {
      const mapped = writeOfEpcisEvent(event, `/epcisBody/eventList/${i}`, eventIds[i], {
        context: doc["@context"],
        organisationOf: this.deps.organisationOf,
      });
      if ("problems" in mapped) refused.push(...mapped.problems);
      else writes.push(mapped.write);
    });
    if (refused.length) {
      this.deps.captures.insertJob({ ...job, errors: refused.map((p) => problemOf("ValidationException", 400, p)) });
      return captureId;
    }

    const seen = new Set<string>();
    const requests: WriteRequest[] = writes.map((w) => ({ ...w.request, epcis: w.annotation }) as WriteRequest);
    try {
      await this.deps.events.writeCustodialAll(org, requests, {
        // Captured before (by this document's earlier copy or another), or twice in this one: recorded once.
        skip: (i) => {
          const again = this.deps.captures.captured(eventIds[i]) !== undefined || seen.has(eventIds[i]);
          seen.add(eventIds[i]);
          return again;
        },
        recorded: (i, planned) => {
          checkStated(i, writes[i], planned);
          this.deps.captures.addCaptured(eventIds[i], captureId, planned[0].id);
        },
        finally: () => this.deps.captures.insertJob({ ...job, errors: [] }),
      });
    } catch (error) {
      if (error instanceof WriteRefusal) {
        this.deps.captures.insertJob({ ...job, errors: [refusalProblem(error)] });
        return captureId;
      }
      if (error instanceof DomainError && error.code === "forbidden") throw new EpcisProblem("SecurityException", 403, error.message);
      throw error;
    }
    return captureId;
  }

  /** The job, to the organisation that sent it (another's is not found). */
  job(org: Org, captureId: string): CaptureJobView | undefined {
    const job = this.deps.captures.job(captureId);
    if (!job || job.orgId !== org.id) return undefined;
    const events = job.errors.length
      ? []
      : job.eventIds.map((eventID) => {
          const outboxId = this.deps.captures.captured(eventID)?.outboxId;
          const status = outboxId ? this.deps.eventStatus(outboxId) : undefined;
          return {
            eventID,
            eventId: outboxId ?? null,
            status: status?.status ?? "unknown",
            ...(status?.transactionHash ? { transactionHash: status.transactionHash, blockNumber: status.blockNumber } : {}),
            ...(status?.error ? { error: status.error } : {}),
          };
        });
    const failed = events.filter((e) => e.status === "failed");
    return {
      captureID: job.id,
      createdAt: job.createdAt,
      running: events.some((e) => e.status === "pending" || e.status === "submitted"),
      success: job.errors.length === 0 && failed.length === 0 && events.every((e) => e.status === "confirmed"),
      captureErrorBehaviour: "rollback",
      errors: [
        ...job.errors,
        ...failed.map((e) => ({ type: "epcisException:ImplementationException", title: `the chain refused event ${e.eventID}: ${e.error ?? "failed"}`, status: 500 })),
      ],
      "ledger:events": events,
    };
  }
}

/**
 * The quantities an event stated against the ledger's own figures for it (a receipt takes in all
 * that was shipped to its writer; a processing what each input gave): a document that says
 * otherwise is refused rather than read back with other figures.
 */
function checkStated(index: number, write: CapturedWrite, planned: PlannedEvent[]): void {
  if (!write.stated) return;
  const ledger = new Map<string, { amount: number; unit: string }>();
  const add = (batchId: string, quantity: { amount: number; unit: string } | undefined) => {
    if (!quantity) return;
    const key = batchId.toLowerCase();
    const had = ledger.get(key);
    ledger.set(key, had && had.unit === quantity.unit ? { amount: had.amount + quantity.amount, unit: had.unit } : had ?? quantity);
  };
  for (const p of planned) {
    const detail = JSON.parse(p.detail) as { type?: string; quantity?: { amount: number; unit: string }; consumed?: Array<{ batchId: string; quantity: { amount: number; unit: string } }> };
    if (detail.type === "receipt") add(p.event.batchId, detail.quantity);
    for (const c of detail.consumed ?? []) add(c.batchId, c.quantity);
  }
  for (const { batchId, quantity } of write.stated) {
    const figure = ledger.get(batchId.toLowerCase());
    if (!figure || sameQuantity(quantity, figure) !== false) continue;
    const words = `the ledger's figure for this lot is ${figure.amount} ${figure.unit}, not ${quantity.amount} ${quantity.unit}: a receipt takes in all that was shipped to its writer, and processing takes what its writer holds (a split, its share)`;
    throw new WriteRefusal(index, new DomainError("conflict", words, [{ field: "quantityList", message: words }]));
  }
}

function problemOf(exception: string, status: number, problem: CaptureProblem): Record<string, unknown> {
  return { type: `epcisException:${exception}`, title: problem.message, status, instance: problem.pointer };
}

/** A write the rules refused, as the problem of its event. */
function refusalProblem(refusal: WriteRefusal): Record<string, unknown> {
  const status = refusal.error.code === "forbidden" ? 403 : refusal.error.code === "not_found" ? 404 : refusal.error.code === "invalid_request" ? 400 : 409;
  const exception = status === 403 ? "SecurityException" : "ValidationException";
  return {
    ...problemOf(exception, status, { pointer: `/epcisBody/eventList/${refusal.index}`, message: refusal.error.message }),
    ...(refusal.error.fields.length ? { fields: refusal.error.fields } : {}),
  };
}
