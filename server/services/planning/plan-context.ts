/**
 * What every kind of write is planned with: the organisation writing, the moment, the facts of
 * the batches involved (accepted view, folded once per write), the organisations a write may
 * name, and the refusals that turn a rule's finding into a DomainError naming the field.
 */
import { getAddress, isAddress, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import { canonicalize } from "../../domain/canonical-json";
import { DomainError, type DomainErrorCode } from "../../domain/errors";
import type { EventKindName } from "../../domain/event-kinds";
import type { PlannedEvent } from "../../domain/ledger-types";
import type { EpcisAnnotation } from "../../domain/epcis/project-event";
import { revealPrivateFields, sealPrivateFields } from "../../domain/private-fields";
import type { Org } from "../../store/org-repository";
import { randomUUID } from "node:crypto";
import type { LedgerFacts } from "../ledger-rules/ledger-facts";
import type { Finding, LedgerEntry } from "../ledger-rules/entries";
import { futureProblem } from "../ledger-rules/origin-rules";

/** The organisations a write may name (a shipment's consignee), by id or address. */
export interface OrgDirectory {
  byId(id: string): Org | undefined;
  byAddress(address: string): Org | undefined;
}

/** Rule findings that are about the request's own values (400); the others are about the ledger (409). */
const INPUT_PROBLEMS = new Set(["in_future", "county_unknown", "county_name", "unit_mismatch", "units_unchecked", "ship_to_self", "shipper_unclear", "replacement_kind", "replacement_batch", "supersede_kind"]);

export class PlanContext {
  /** Planned entries get orders after everything accepted, in the order they are planned. */
  private nextOrder = 0;

  constructor(
    readonly org: Org,
    readonly now: number,
    readonly facts: LedgerFacts,
    readonly orgs: OrgDirectory,
    /** The EPCIS identifiers a captured event came with, kept in its detail. */
    private readonly epcis?: EpcisAnnotation,
  ) {}

  /** The part every detail begins with: who wrote it and when. */
  common(): Record<string, unknown> {
    return { v: 2, org: orgSummary(this.org), recordedAt: new Date(this.now).toISOString(), ...(this.epcis ? { epcis: this.epcis } : {}) };
  }

  /**
   * A planned event with a new event id: its detail's private fields (a sale's amount, the
   * fields it lists in `private`) replaced by salted commitments, and that public detail
   * canonicalised and hashed. The values and salts travel beside it, for this gateway alone. A
   * shipment names its consignee's address as the counterparty, which the contract lets alone
   * record the receipt.
   */
  planned(batchId: string, kind: number, prevHead: string, detail: object, inputs: string[], counterparty = ZeroAddress): PlannedEvent {
    const sealed = sealPrivateFields(detail as Record<string, unknown>);
    const canonical = canonicalize(sealed.detail);
    return {
      id: randomUUID(),
      event: { batchId, kind, prevHead, dataHash: keccak256(toUtf8Bytes(canonical)), inputs, counterparty },
      detail: canonical,
      privateValues: sealed.values,
    };
  }

  /** The rules' view of a planned event: after everything accepted so far. */
  entryOf(planned: PlannedEvent, kind: EventKindName): LedgerEntry {
    return {
      ref: planned.event.dataHash.toLowerCase(),
      batchId: planned.event.batchId.toLowerCase(),
      kind,
      signer: this.org.address.toLowerCase(),
      // The rules of this gateway see the private values it holds (a sale's amount sets the usual price).
      detail: revealPrivateFields(JSON.parse(planned.detail) as Record<string, unknown>, planned.privateValues),
      inputs: planned.event.inputs.map((id) => id.toLowerCase()),
      order: [2, this.nextOrder++, 0],
      eventId: planned.id,
    };
  }

  /** Refuses with the first finding, naming its field (or `fallbackField`). */
  refuseIf(findings: readonly Omit<Finding, "ref">[], fallbackField = "batchId"): void {
    const finding = findings[0];
    if (finding) throw refusal(finding, fallbackField);
  }

  /** Refuses an event time in the future (beyond the clock allowance). */
  checkNotFuture(field: string, value: string | undefined): void {
    const problem = value === undefined ? undefined : futureProblem(field, value, this.now);
    if (problem) throw refusal(problem, field);
  }

  /** The organisation named by id or address; 404 naming the field when there is none. */
  organisation(reference: string, field: string): Org {
    const org = isAddress(reference) ? this.orgs.byAddress(getAddress(reference)) : this.orgs.byId(reference);
    if (!org) {
      const en = `no organisation ${reference}`;
      throw new DomainError("not_found", en, [{ field, message: en, zh: `没有这个机构：${reference}` }]);
    }
    return org;
  }
}

/** A finding as the error a writer gets: 400 for a bad value, 409 for what the ledger holds. */
export function refusal(finding: Omit<Finding, "ref">, fallbackField = "batchId"): DomainError {
  const code: DomainErrorCode = INPUT_PROBLEMS.has(finding.code) ? "invalid_request" : "conflict";
  const field = finding.field ?? fallbackField;
  return new DomainError(code, finding.en, [{ field, message: finding.en, zh: finding.zh }]);
}

/** An org as a detail names it. */
/** An organisation as a detail names it (with its GLN where it has one: how EPCIS names it). */
export function orgSummary(org: Org) {
  return { id: org.id, name: org.name, role: org.role, address: org.address, ...(org.gln ? { gln: org.gln } : {}) };
}
