/**
 * Turns a validated write request into the ledger events it needs, checked against the ledger's
 * rules (services/ledger-rules) over what the gateway knows: the index (the chain) and the send
 * queue (accepted events, some still in flight). Every entry point — API, console, CSV import,
 * CLI, self-signed relays — plans through here, so every one gets the same answers.
 *
 * A harvest is one event; processing in place is one event; a split makes one event per new
 * output batch, each naming its inputs; a correction is one event on the corrected batch. Each
 * event extends the head it will find on chain once everything accepted before it is recorded,
 * so several writes to one batch can be in flight.
 */
import { EventKind, roleMayRecord, type EventKindName } from "../domain/event-kinds";
import { DomainError, forbidden } from "../domain/errors";
import { parseBatchId } from "../domain/gs1";
import { isRecalledHead, ZERO_HASH } from "../domain/hashes";
import type { PlannedEvent, WriteRequest } from "../domain/ledger-types";
import type { LedgerEntryReads } from "../store/ledger-entry-reads";
import type { Org } from "../store/org-repository";
import type { BatchStateSource } from "./batch-state";
import { LedgerFacts } from "./ledger-rules/ledger-facts";
import { PlanContext, type OrgDirectory } from "./planning/plan-context";
import { planCorrection } from "./planning/plan-correction";
import { planHarvest } from "./planning/plan-harvest";
import { planReceipt, planSale, planShipment } from "./planning/plan-movement";
import { planProcessing } from "./planning/plan-processing";

export interface PlannerSources {
  batches: BatchStateSource;
  entries: LedgerEntryReads;
  orgs: OrgDirectory;
  /** Whether the address holds the ledger's admin role. */
  isAdmin(address: string): boolean;
  /** The batch and data hash of an accepted event, by the id the gateway gave it. */
  eventById(eventId: string): { batchId: string; dataHash: string } | undefined;
}

/** What the programme office's admin key may sign: corrections and recalls of any batch. */
const ADMIN_KINDS: readonly EventKindName[] = ["correction", "recall"];

export class EventPlanner {
  constructor(
    private readonly sources: PlannerSources,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The events of one write, in order; throws a DomainError when the write is not allowed. */
  plan(org: Org, request: WriteRequest): PlannedEvent[] {
    const kind: EventKindName = request.type === "harvest" ? "harvest" : request.body.type;
    const allowed = org.role === "admin" ? ADMIN_KINDS.includes(kind) : roleMayRecord(org.role, kind);
    if (!allowed) throw forbidden(`a ${org.role} may not record a ${kind}`);
    const now = this.now().getTime();
    const facts = new LedgerFacts(this.sources.entries, "accepted", { isAdmin: this.sources.isAdmin, now });
    const context = new PlanContext(org, now, facts, this.sources.orgs, request.epcis);
    const exists = (batchId: string) => this.sources.batches.expectedHead(batchId) !== undefined;

    if (request.type === "harvest") return planHarvest(context, request.body, exists);

    const { batchId, body } = request;
    const head = this.existingHead(batchId, "batchId");
    if (isRecalledHead(head) && body.type !== "correction") {
      throw refused("conflict", "batchId", "the batch is recalled: no further events are accepted but corrections", "这个批次已召回：除更正外不能再登记");
    }
    const target = { batchId, head };
    const planned = this.planEvent(context, target, body, exists);
    for (const p of planned) this.assertChainCustody(context.org, p.event);
    return planned;
  }

  private planEvent(
    context: PlanContext,
    target: { batchId: string; head: string },
    body: Extract<WriteRequest, { type: "event" }>["body"],
    exists: (batchId: string) => boolean,
  ): PlannedEvent[] {
    const { batchId } = target;
    switch (body.type) {
      case "recall":
        return this.planRecall(context, target, body);
      case "correction":
        return planCorrection(context, { ...target, eventById: this.sources.eventById }, body);
      case "processing":
        return planProcessing(context, { ...target, exists, inputHead: (id, field) => this.inputHead(id, field) }, body);
      case "shipment":
        return planShipment(context, target, body);
      case "receipt":
        return planReceipt(context, target, body);
      case "sale":
        return planSale(context, target, body);
    }
  }

  private planRecall(context: PlanContext, target: { batchId: string; head: string }, body: Extract<WriteRequest, { type: "event" }>["body"] & { type: "recall" }): PlannedEvent[] {
    const creator = this.sources.batches.creatorOf(target.batchId);
    if (creator !== context.org.address && context.org.role !== "admin") {
      throw forbidden("only the organisation that created the batch may recall it");
    }
    context.checkNotFuture("recalledAt", body.recalledAt);
    const detail = { ...context.common(), ...body, batch: { id: target.batchId, ...parseBatchId(target.batchId) } };
    return [context.planned(target.batchId, EventKind.Recall, target.head, detail, [])];
  }

  /**
   * The chain decides who may extend a batch (its head commits to the custodians): an event the
   * rules allow but the chain would refuse is refused here, in words, instead of failing later.
   * It happens after a correction: a voided receipt does not make its writer a consignee again.
   */
  private assertChainCustody(org: Org, event: PlannedEvent["event"]): void {
    if (org.role === "admin") return;
    const signer = org.address.toLowerCase();
    const custody = (batchId: string) => this.sources.batches.expectedTip(batchId)?.custody;
    const own = event.prevHead === ZERO_HASH ? undefined : custody(event.batchId);
    if (own) {
      const may =
        event.kind === EventKind.Receipt
          ? own.pending.includes(signer)
          : event.kind === EventKind.Correction
            ? own.holders.includes(signer) || own.pending.includes(signer)
            : event.kind === EventKind.Recall || own.holders.includes(signer);
      if (!may) {
        throw event.kind === EventKind.Receipt
          ? refused("conflict", "batchId", `on the ledger, no pending shipment names ${org.name} as this batch's consignee (a voided receipt is not undone on chain): ask the shipper to void that shipment and ship it again`, `账本上没有待收的发运把${org.name}列为收货方（作废收货不会撤销链上记录）：请发货方作废那次发运并重新发运`)
          : refused("conflict", "batchId", `on the ledger, ${org.name} is not a custodian of this batch`, `账本上${org.name}不是这个批次的持有方`);
      }
    }
    event.inputs.forEach((input, i) => {
      const held = custody(input);
      if (held && !held.holders.includes(signer)) {
        const field = event.prevHead === ZERO_HASH && i === 0 ? "batchId" : `inputs[${i}]`;
        throw refused("conflict", field, `on the ledger, ${org.name} does not hold input batch ${input}`, `账本上${org.name}不持有原料批次 ${input}`);
      }
    });
  }

  private existingHead(batchId: string, field: string): string {
    const head = this.sources.batches.expectedHead(batchId);
    if (!head || head === ZERO_HASH) throw refused("not_found", field, `no batch ${batchId}`, "没有这个批次：请核对商品条码和批次号");
    return head;
  }

  private inputHead(batchId: string, field: string): string {
    const head = this.existingHead(batchId, field);
    if (isRecalledHead(head)) throw refused("conflict", field, "an input batch is recalled", "这个原料批次已召回，不能再加工");
    return head;
  }
}

/** A refusal naming its field, in both languages. */
function refused(code: "conflict" | "not_found", field: string, en: string, zh: string): DomainError {
  return new DomainError(code, en, [{ field, message: en, zh }]);
}
