/**
 * What a provenance page shows, gathered from the chain-verified index (through BatchReader):
 * the batch, the origins it came from, its journey including the events of every batch it was
 * made from, its 圳品 status, recalls, and the facts of the verification panel. Language-free:
 * the page renders it in Chinese or English. The work is proportional to the batch's own
 * events and ancestry, never to the size of the ledger.
 */
import { parseBatchId } from "../../domain/gs1";
import type { BatchReader } from "./batch-reader";
import type { IndexCursor } from "../../store/index-cursor";
import type { OrgRepository } from "../../store/org-repository";
import type { ProgrammeCountyRepository } from "../../store/programme-county-repository";

export type BatchView = NonNullable<ReturnType<BatchReader["read"]>>;
type EventView = BatchView["events"][number];
type CertificationView = BatchView["certifications"][number];

/** Batches the journey follows back at most: a retail pack's ancestry is a handful. */
const MAX_ANCESTORS = 32;

export interface OrgLabel {
  name: string;
  role: string;
}

export interface Origin {
  lot: string;
  product: string | null;
  variety: string | null;
  countyCode: string | null;
  county: string | null;
  village: string | null;
  base: string | null;
  /** The county is on the programme's list of supported counties. */
  programmeCounty: boolean;
  producer: OrgLabel | null;
  harvestedAt: string | null;
  quantity: { amount: number; unit: string } | null;
}

export interface JourneyEntry {
  kind: string;
  /**
   * When it happened, as the event says (a certification: when it takes effect; a revocation:
   * its block's time). The journey is in this order; the chain order breaks ties.
   */
  at: string | null;
  batch: { batchId: string; lot: string; own: boolean };
  org: OrgLabel | null;
  detail: Record<string, unknown> | null;
  signedWith: string | null;
  check: "match" | "not-held" | "mismatch";
  proof: { transactionHash: string; blockNumber: number };
  order: [number, number];
}

export interface Recall {
  lot: string;
  own: boolean;
  reason: string | null;
}

export interface ProvenanceView {
  batch: BatchView;
  /** The product's name and variety, from the batch's own creating event or else its origin. */
  product: string | null;
  variety: string | null;
  origins: Origin[];
  journey: JourneyEntry[];
  recalls: Recall[];
  certification: BatchView["certification"] & { certifierName: string | null };
  verification: { allMatch: boolean; chainId: number; contract: string; head: string; eventCount: number };
  pendingCount: number;
  /** When (ms since the epoch) the 圳品 status may next change by time alone, if ever. */
  statusChangesAt?: number;
  /** The lot of the nearest batch this one was made from that holds a valid 圳品 certificate. */
  certifiedInput?: string;
  /** Batches made from this one (retail packs of a split, or merges). */
  madeInto: Array<{ batchId: string; lot: string }>;
}

export class ProvenanceViews {
  constructor(
    private readonly reader: BatchReader,
    private readonly blocks: IndexCursor,
    private readonly orgs: OrgRepository,
    private readonly counties: ProgrammeCountyRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /** The page of a batch, or undefined when the chain has no such batch (yet). */
  build(batchId: string): ProvenanceView | undefined {
    const batch = this.reader.read(batchId);
    if (!batch) return undefined;
    const ancestors = this.ancestorsOf(batch);
    const family = [batch, ...ancestors];

    const journey = family
      .flatMap((member) => [
        ...member.events.map((event) => this.eventEntry(member, event, member === batch)),
        ...member.certifications.flatMap((c) => this.certificationEntries(member, c, member === batch)),
      ])
      .sort(byWhenThenChainOrder);

    const recalls = family.flatMap((member) =>
      member.recall.self
        ? [{ lot: member.lot, own: member === batch, reason: recallReason(member) }]
        : [],
    );
    const origins = family.filter((member) => member.events[0]?.type === "harvest").map((member) => this.originOf(member));
    const creating = batch.events[0]?.detail;
    const made = (creating?.product ?? (creating?.output as { product?: unknown } | undefined)?.product) as
      | { name?: string; variety?: string }
      | undefined;
    const certifier = batch.certification.certifier as string | undefined;
    return {
      batch,
      product: made?.name ?? origins[0]?.product ?? null,
      variety: made?.variety ?? origins[0]?.variety ?? null,
      origins,
      journey,
      recalls,
      certification: { ...batch.certification, certifierName: certifier ? (this.orgs.byAddress(certifier)?.name ?? null) : null },
      verification: {
        allMatch: journey.every((entry) => entry.check !== "mismatch") && headsLink(batch.events),
        chainId: batch.proof.chainId,
        contract: batch.proof.contract,
        head: batch.proof.head,
        eventCount: batch.proof.eventCount,
      },
      pendingCount: batch.unconfirmedEvents.length,
      madeInto: batch.lineage.outputs.map((id) => ({ batchId: id, lot: parseBatchId(id).lot })),
      statusChangesAt: nextStatusChange(
        family.flatMap((member) => member.certifications),
        this.now(),
      ),
      certifiedInput: ancestors.find((ancestor) => ancestor.certification.status === "valid")?.lot,
    };
  }

  /** The batches this one was made from, nearest first (breadth first), at most MAX_ANCESTORS. */
  private ancestorsOf(batch: BatchView): BatchView[] {
    const found: BatchView[] = [];
    const seen = new Set([batch.batchId]);
    const queue = [...batch.lineage.inputs];
    while (queue.length > 0 && found.length < MAX_ANCESTORS) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const ancestor = this.reader.read(id);
      if (!ancestor) continue;
      found.push(ancestor);
      queue.push(...ancestor.lineage.inputs);
    }
    return found;
  }

  private eventEntry(member: BatchView, event: EventView, own: boolean): JourneyEntry {
    const org = event.signer.organisation;
    return {
      kind: event.type,
      at: occurredAt(event.detail) ?? event.proof.timestamp,
      batch: { batchId: member.batchId, lot: member.lot, own },
      org: org ? { name: org.name, role: org.role } : null,
      detail: event.detail,
      signedWith: event.signedWith,
      check: event.detailMatchesChain === null ? "not-held" : event.detailMatchesChain ? "match" : "mismatch",
      proof: { transactionHash: event.proof.transactionHash, blockNumber: event.proof.blockNumber },
      order: [event.proof.blockNumber, event.proof.logIndex],
    };
  }

  /** A certification's attestation and, if revoked, its revocation, as journey entries. */
  private certificationEntries(member: BatchView, c: CertificationView, own: boolean): JourneyEntry[] {
    const certifier = this.orgs.byAddress(c.certifier);
    const org = certifier ? { name: certifier.name, role: certifier.role } : null;
    const base = {
      batch: { batchId: member.batchId, lot: member.lot, own },
      org,
      signedWith: certifier ? (certifier.custodial ? "custodial-key" : "own-key") : "unknown",
      check: "match" as const, // the index holds the certificate's facts as the chain logged them
    };
    const attested: JourneyEntry = {
      ...base,
      kind: "certification",
      at: c.validFrom, // when the certificate takes effect is what a shopper's timeline needs
      detail: { certificateNo: c.certificateNo, validFrom: c.validFrom, validUntil: c.validUntil, subject: c.subject },
      proof: { transactionHash: c.proof.transactionHash, blockNumber: c.proof.blockNumber },
      order: [c.proof.blockNumber, c.proof.logIndex],
    };
    if (!c.revoked || c.revokedBlock === undefined) return [attested];
    return [
      attested,
      {
        ...base,
        kind: "revocation",
        at: this.blockTime(c.revokedBlock),
        detail: { certificateNo: c.certificateNo, reason: c.revokedReason ?? null },
        proof: { transactionHash: "", blockNumber: c.revokedBlock },
        order: [c.revokedBlock, Number.MAX_SAFE_INTEGER],
      },
    ];
  }

  private originOf(member: BatchView): Origin {
    const harvest = member.events[0]?.detail ?? {};
    const origin = (harvest.origin ?? {}) as Record<string, string | undefined>;
    const product = (harvest.product ?? {}) as Record<string, string | undefined>;
    const code = origin.countyCode ?? null;
    return {
      lot: member.lot,
      product: product.name ?? null,
      variety: product.variety ?? null,
      countyCode: code,
      county: origin.county ?? null,
      village: origin.village ?? null,
      base: origin.base ?? null,
      programmeCounty: code !== null && this.counties.nameOf(code) !== undefined,
      producer: member.creator.organisation ? { name: member.creator.organisation.name, role: member.creator.organisation.role } : null,
      harvestedAt: (harvest.harvestedAt as string | undefined) ?? null,
      quantity: (harvest.quantity as Origin["quantity"] | undefined) ?? null,
    };
  }

  private blockTime(blockNumber: number): string | null {
    const seconds = this.blocks.blockTime(blockNumber);
    return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
  }
}

/** The first moment after `now` at which a certificate of the batch takes effect or ends. */
function nextStatusChange(certifications: BatchView["certifications"], now: number): number | undefined {
  const moments = certifications
    .filter((c) => !c.revoked)
    .flatMap((c) => [Date.parse(c.validFrom), Date.parse(c.validUntil) + 1000])
    .filter((moment) => moment > now);
  return moments.length > 0 ? Math.min(...moments) : undefined;
}

function byWhenThenChainOrder(a: JourneyEntry, b: JourneyEntry): number {
  const byWhen = (a.at ? Date.parse(a.at) : Infinity) - (b.at ? Date.parse(b.at) : Infinity);
  if (byWhen) return byWhen;
  return a.order[0] - b.order[0] || a.order[1] - b.order[1];
}

const OCCURRED_AT_FIELDS = ["harvestedAt", "occurredAt", "shippedAt", "receivedAt", "soldAt", "recalledAt"];

function occurredAt(detail: Record<string, unknown> | null): string | undefined {
  if (!detail) return undefined;
  for (const field of OCCURRED_AT_FIELDS) if (typeof detail[field] === "string") return detail[field] as string;
  return undefined;
}

function recallReason(batch: BatchView): string | null {
  const recall = batch.events.find((event) => event.type === "recall");
  return (recall?.detail?.reason as string | undefined) ?? null;
}

/** Each event extends the head the one before it produced: the chain of heads is unbroken. */
function headsLink(events: readonly EventView[]): boolean {
  return events.every((event, i) => i === 0 || event.proof.prevHead === events[i - 1].proof.head);
}
