/**
 * What a batch shows: its indexed (chain-confirmed) events in order with their off-chain detail,
 * events accepted but not yet confirmed, lineage, recall (its own or an ancestor's), the 圳品
 * status, and the on-chain proof of each event and of the head. Detail fields an organisation
 * marks private, and sale amounts, are shown only to the organisation that wrote them: the
 * public detail holds their salted commitments (domain/private-fields.ts), and the values come
 * from this gateway's private store for the writer alone.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { eventKindName } from "../../domain/event-kinds";
import { certificationStatusAt } from "../../domain/certification-status";
import { endOf, startOf } from "../../domain/china-dates";
import type { BatchDetail, IndexedCertification, IndexRepository } from "../../store/index-repository";
import type { Org, OrgRepository } from "../../store/org-repository";
import type { BatchLedger } from "../ledger-rules/batch-ledger";
import type { Finding } from "../ledger-rules/entries";
import { ALWAYS_PRIVATE, revealPrivateFields, type PrivateValue } from "../../domain/private-fields";

/** The private values this gateway keeps for a detail, by its data hash. */
export type PrivateValues = (dataHash: string) => PrivateValue[];
const MAX_ANCESTRY = 64;

export interface PendingEventView {
  eventId: string;
  type: string;
  status: string;
  detail: Record<string, unknown> | null;
}

/** The gateway's own records of accepted events: their detail and the ones still in flight. */
export interface AcceptedEvents {
  /** The canonical detail of an accepted event, by batch and data hash. */
  detail(batchId: string, dataHash: string): string | undefined;
  /** The event id the gateway gave an accepted event, by batch and data hash. */
  eventId(batchId: string, dataHash: string): string | undefined;
  /** Both at once. */
  accepted(batchId: string, dataHash: string): { id: string; detail: string } | undefined;
  /** The detail kept under a data hash (an event's or an attestation's), whoever wrote it. */
  detailByHash(dataHash: string): string | undefined;
  /** Accepted events of the batch that are not confirmed yet, in order. */
  unconfirmed(batchId: string): { eventId: string; kind: number; status: string; detail: string }[];
}

export interface ChainIdentity {
  chainId: number;
  contract: string;
}

/** The ledger's rules over what the chain holds: a batch folded over its indexed events. */
export type ChainRules = (batchId: string) => BatchLedger;

export class BatchReader {
  constructor(
    private readonly index: IndexRepository,
    private readonly accepted: AcceptedEvents,
    private readonly orgs: OrgRepository,
    private readonly chain: ChainIdentity,
    private readonly rules: ChainRules,
    private readonly privateValues: PrivateValues = () => [],
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The batch as the API shows it; undefined when the chain has no such batch yet. */
  read(batchId: string, viewer?: Org) {
    const id = batchId.toLowerCase();
    const detail = this.index.getBatch(id);
    if (!detail) return undefined;
    const { batch } = detail;
    const ledger = this.rules(id);
    const corrections = correctionsByTarget(ledger);
    const events = detail.events.map((event) => {
      const accepted = this.accepted.accepted(id, event.dataHash);
      // A detail from a peer or a bundle (a read gateway, a rebuilt index) is kept by its hash alone.
      const text = accepted?.detail ?? this.accepted.detailByHash(event.dataHash);
      const signerOrg = this.orgs.byAddress(event.signer);
      return {
        position: event.position,
        type: eventKindName(event.kind),
        eventId: accepted?.id ?? null,
        signer: { address: event.signer, organisation: signerOrg ? orgView(signerOrg) : null },
        signedWith: signedWith(signerOrg),
        detail: text === undefined ? null : visibleDetail(JSON.parse(text), eventKindName(event.kind), viewer, () => this.privateValues(event.dataHash)),
        /** Whether the detail's keccak256 is the data hash the chain holds (null: detail not held here). */
        detailMatchesChain: text === undefined ? null : hashesTo(text, event.dataHash),
        /** live, or declared void or superseded by a later correction of the batch. */
        status: ledger.statusOf(event.dataHash.toLowerCase()),
        ...(corrections.has(event.dataHash.toLowerCase()) ? { correctedBy: corrections.get(event.dataHash.toLowerCase()) } : {}),
        inputs: event.inputs,
        proof: {
          dataHash: event.dataHash,
          prevHead: event.prevHead,
          head: event.head,
          transactionHash: event.txHash,
          blockNumber: event.blockNumber,
          logIndex: event.logIndex,
          timestamp: new Date(event.timestamp * 1000).toISOString(),
        },
      };
    });
    const creating = events[0]?.detail as Record<string, unknown> | null | undefined;
    const recalledAncestors = this.recalledAncestors(detail);
    return {
      batchId: id,
      gtin: batch.gtin,
      lot: batch.lot,
      product: creating?.product ?? (creating?.output as Record<string, unknown> | undefined)?.product ?? null,
      origin: creating?.origin ?? null,
      creator: { address: batch.creator, organisation: this.orgView(batch.creator) },
      createdAt: new Date(batch.createdAt * 1000).toISOString(),
      recall: {
        recalled: batch.recalled || recalledAncestors.length > 0,
        self: batch.recalled,
        viaInputs: recalledAncestors,
      },
      certification: this.certification(detail),
      certifications: detail.certifications.map((c) => certificationView(c, this.validityAsWritten(c))),
      lineage: {
        inputs: detail.inputs.map((l) => l.inputBatchId),
        outputs: detail.outputs.map((l) => l.batchId),
      },
      events,
      unconfirmedEvents: this.accepted.unconfirmed(id).map((e) => ({
        eventId: e.eventId,
        type: eventKindName(e.kind),
        status: e.status,
        detail: visibleDetail(JSON.parse(e.detail), eventKindName(e.kind), viewer, () => this.privateValues(keccak256(toUtf8Bytes(e.detail)))),
      })),
      custody: custodyView(ledger),
      /** The ledger's rules that events on chain break (whoever relayed them), by the event's data hash. */
      findings: ledger.findings.map(findingView),
      proof: { chainId: this.chain.chainId, contract: this.chain.contract, head: batch.head, eventCount: batch.eventCount },
    };
  }

  /** Every batch this one was made from, directly or not, that is recalled. */
  private recalledAncestors(detail: BatchDetail): string[] {
    const recalled: string[] = [];
    const seen = new Set<string>([detail.batch.batchId]);
    const queue = detail.inputs.map((l) => l.inputBatchId);
    while (queue.length && seen.size < MAX_ANCESTRY) {
      const input = queue.shift()!;
      if (seen.has(input)) continue;
      seen.add(input);
      const ancestor = this.index.getBatch(input);
      if (!ancestor) continue;
      if (ancestor.batch.recalled) recalled.push(input);
      queue.push(...ancestor.inputs.map((l) => l.inputBatchId));
    }
    return recalled;
  }

  private certification(detail: BatchDetail) {
    const facts = detail.certifications.map((c) => ({ ...c, revoked: c.revokedBy !== null }));
    const { status, certification } = certificationStatusAt(detail.batch, facts, this.now());
    return { status, ...(certification ? certificationView(certification, this.validityAsWritten(certification)) : {}) };
  }

  /**
   * The validity as the certifier wrote it, when its detail is held and says the same as the
   * chain: a plain date stays a date ("2026-09-01", the whole China day).
   */
  private validityAsWritten(c: IndexedCertification): { validFrom?: string; validUntil?: string; notes?: string } {
    const text = this.accepted.detailByHash(c.dataHash);
    if (text === undefined) return {};
    const detail = JSON.parse(text) as { validFrom?: unknown; validUntil?: unknown; notes?: unknown };
    const from = typeof detail.validFrom === "string" && Math.floor(startOf(detail.validFrom) / 1000) === c.validFrom ? detail.validFrom : undefined;
    const until = typeof detail.validUntil === "string" && Math.floor(endOf(detail.validUntil) / 1000) === c.validUntil ? detail.validUntil : undefined;
    // The certifier's notes are in its public detail, so the page shows them too.
    return { validFrom: from, validUntil: until, ...(typeof detail.notes === "string" ? { notes: detail.notes } : {}) };
  }

  private orgView(address: string) {
    const org = this.orgs.byAddress(address);
    return org ? orgView(org) : null;
  }
}

/** Who holds the batch and how much remains, by the ledger's rules over the chain's events. */
function custodyView(ledger: BatchLedger) {
  return {
    remaining: ledger.remaining() ?? null,
    holders: ledger.holders().map((h) => ({ address: h.address, name: h.party.name, role: h.party.role ?? null, quantity: h.quantity })),
    inTransit: ledger.inTransit().map((t) => ({ to: { address: t.toAddress, name: t.to.name }, quantity: t.quantity })),
    voided: ledger.voided,
  };
}

function correctionsByTarget(ledger: BatchLedger) {
  const byTarget = new Map<string, { dataHash: string; declaration: string; reason: string; signer: string }>();
  for (const [target, c] of ledger.corrections) byTarget.set(target, { dataHash: c.ref, declaration: c.declaration, reason: c.reason, signer: c.signer });
  return byTarget;
}

function findingView(finding: Finding) {
  return { dataHash: finding.ref, code: finding.code, message: finding.en, zh: finding.zh };
}

const checkedDetails = new Map<string, boolean>();
const CHECKED_DETAILS_KEPT = 50_000;

/**
 * Whether keccak256 of the detail text is the data hash on chain. Pages ask this of the same
 * few texts over and over; the answer for a (hash, text) pair never changes, so it is kept.
 */
function hashesTo(text: string, dataHash: string): boolean {
  const key = `${dataHash}\n${text}`;
  let matches = checkedDetails.get(key);
  if (matches === undefined) {
    matches = keccak256(toUtf8Bytes(text)) === dataHash;
    if (checkedDetails.size >= CHECKED_DETAILS_KEPT) checkedDetails.clear();
    checkedDetails.set(key, matches);
  }
  return matches;
}

function orgView(org: Org) {
  return { id: org.id, name: org.name, role: org.role };
}

function certificationView(c: IndexedCertification, written: { validFrom?: string; validUntil?: string; notes?: string } = {}) {
  return {
    certificationId: c.id,
    scheme: c.schemeName ?? c.scheme,
    certificateNo: c.certificateNo,
    certifier: c.certifier,
    subject: c.subjectKind === 0 ? "batch" : "productLine",
    validFrom: written.validFrom ?? new Date(c.validFrom * 1000).toISOString(),
    validUntil: written.validUntil ?? new Date(c.validUntil * 1000).toISOString(),
    ...(written.notes ? { notes: written.notes } : {}),
    revoked: c.revokedBy !== null,
    ...(c.revokedBy ? { revokedBy: c.revokedBy, revokedReason: c.revokedReason } : {}),
    proof: { transactionHash: c.txHash, blockNumber: c.blockNumber, logIndex: c.logIndex, dataHash: c.dataHash },
    ...(c.revokedBlock !== null ? { revokedBlock: c.revokedBlock } : {}),
  };
}

/**
 * The detail as `viewer` may see it: the organisation that wrote it reads its private values
 * (`ownValues`, from this gateway's private store) where the public detail has commitments;
 * anyone else reads the commitments. A value published in the clear before commitments is
 * hidden from others, as it always was.
 */
export function visibleDetail(detail: Record<string, unknown>, type: string, viewer?: Org, ownValues: () => PrivateValue[] = () => []): Record<string, unknown> {
  const author = (detail.org as { id?: string } | undefined)?.id;
  if (viewer && viewer.id === author) return revealPrivateFields(detail, ownValues());
  const hidden = new Set([...(ALWAYS_PRIVATE[type] ?? []), ...((detail.private as string[] | undefined) ?? [])]);
  return Object.fromEntries(Object.entries(detail).filter(([key]) => !hidden.has(key) && key !== "private"));
}

/** How the signer's key is kept, as far as this gateway knows: an organisation learned from the chain's details keeps its own counsel. */
export function signedWith(org: Org | undefined): "custodial-key" | "own-key" | "unknown" {
  if (!org || org.learned) return "unknown";
  return org.custodial ? "custodial-key" : "own-key";
}
