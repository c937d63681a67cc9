/**
 * What a provenance page shows, gathered from the chain-verified index (through BatchReader):
 * the batch, the origins it came from, its journey including the events of every batch it was
 * made from, its 圳品 status, recalls, and the facts of the verification panel. Language-free:
 * the page renders it in Chinese or English. The work is proportional to the batch's own
 * events and ancestry, never to the size of the ledger.
 */
import { getAddress } from "ethers";
import { parseBatchId } from "../../domain/gs1";
import { chinaDateOf, endOf, isPlainDate, startOf } from "../../domain/china-dates";
import type { EventKindName } from "../../domain/event-kinds";
import { occurredAt } from "../ledger-rules/entries";
import { signedWith, type BatchReader } from "./batch-reader";
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
  /** The organisation's id here, where the page needs it (an origin's producer: its public contact). */
  id?: string;
}

/** An organisation's public contact, as it (or the admin) set it here; any part may be missing. */
export interface PublicContact {
  person?: string;
  phone?: string;
  address?: string;
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
  /** dataHash: the keccak256 of the canonical detail the chain holds (a revocation has none). */
  proof: { transactionHash: string; blockNumber: number; dataHash?: string };
  order: [number, number];
  /** A later correction declared this event void, or superseded it with `correction.replacement`. */
  status?: "live" | "void" | "superseded";
  correction?: { declaration: string; reason: string; by: OrgLabel | null; replacement: Record<string, unknown> | null };
  /** The ledger's rules this event breaks (whoever relayed it), in both languages. */
  findings?: Array<{ code: string; en: string; zh: string }>;
  /** A 圳品 certificate's validity beside its entry: when it holds, and whether it holds now. */
  certificate?: { validFrom: string; validUntil: string; state: CertificateState; revokedReason: string | null };
}

/** A certificate's standing now: not yet in effect, in effect, ended, or revoked. */
export type CertificateState = "upcoming" | "valid" | "expired" | "revoked";

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
  verification: {
    allMatch: boolean;
    chainId: number;
    contract: string;
    /** The block the ledger was deployed in, where an audit starts reading its logs (null: not known here). */
    deployBlock: number | null;
    head: string;
    eventCount: number;
  };
  pendingCount: number;
  /** When (ms since the epoch) the 圳品 status may next change by time alone, if ever. */
  statusChangesAt?: number;
  /** The lot of the nearest batch this one was made from that holds a valid 圳品 certificate. */
  certifiedInput?: string;
  /** Batches made from this one (retail packs of a split, or merges). */
  madeInto: Array<{ batchId: string; lot: string }>;
  /** The batch's own quantity as created (a pack's, not its input's harvest) and what remains. */
  quantity: { created: { amount: number; unit: string } | null; remaining: { amount: number; unit: string } | null };
  /** The batch's creation was declared void: it does not exist. */
  voided: boolean;
  /** How many events of the journey break a rule of the ledger. */
  ruleBreaks: number;
  /** The batch's current 承诺达标合格证 (services/promise-certificates.ts), where one was issued here. */
  promiseCertificate?: { id: string; certificateNo: string; issuedOn: string; issuer: string };
  /**
   * Whom a shopper can reach: each origin's producer with its public contact, and the programme
   * office's (the ledger admin's organisation). Set by BatchViews where contacts are known.
   */
  contacts?: { producers: Array<{ name: string; contact: PublicContact }>; programme?: PublicContact };
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

    // A split's breaks are found on its input's side: gather every member's by event.
    const findings = new Map<string, Array<{ code: string; en: string; zh: string }>>();
    for (const member of family) {
      for (const f of member.findings) {
        const list = findings.get(f.dataHash) ?? [];
        if (!list.some((known) => known.code === f.code)) list.push({ code: f.code, en: f.message, zh: f.zh });
        findings.set(f.dataHash, list);
      }
    }
    const journey = family
      .flatMap((member) => [
        ...member.events.map((event) => this.eventEntry(member, event, member === batch, findings)),
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
        deployBlock: this.deployBlockOf(batch.proof.contract),
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
      quantity: { created: ownQuantity(creating), remaining: batch.custody.remaining },
      voided: batch.custody.voided,
      ruleBreaks: journey.filter((entry) => (entry.findings?.length ?? 0) > 0).length,
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

  private eventEntry(member: BatchView, event: EventView, own: boolean, findings: Map<string, JourneyEntry["findings"]>): JourneyEntry {
    const org = event.signer.organisation;
    const correctedBy = "correctedBy" in event ? event.correctedBy : undefined;
    const correction = correctedBy
      ? {
          declaration: correctedBy.declaration,
          reason: correctedBy.reason,
          by: this.orgLabel(correctedBy.signer),
          replacement: (member.events.find((e) => e.proof.dataHash.toLowerCase() === correctedBy.dataHash)?.detail?.replacement ?? null) as Record<string, unknown> | null,
        }
      : undefined;
    return {
      status: event.status,
      ...(correction ? { correction } : {}),
      ...(findings.get(event.proof.dataHash.toLowerCase()) ? { findings: findings.get(event.proof.dataHash.toLowerCase()) } : {}),
      kind: event.type,
      at: occurredAt({ kind: event.type as EventKindName, detail: event.detail ?? undefined }) ?? event.proof.timestamp,
      batch: { batchId: member.batchId, lot: member.lot, own },
      org: org ? { name: org.name, role: org.role } : null,
      detail: event.detail,
      signedWith: event.signedWith,
      check: event.detailMatchesChain === null ? "not-held" : event.detailMatchesChain ? "match" : "mismatch",
      proof: { transactionHash: event.proof.transactionHash, blockNumber: event.proof.blockNumber, dataHash: event.proof.dataHash },
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
      signedWith: signedWith(certifier),
      check: "match" as const, // the index holds the certificate's facts as the chain logged them
    };
    const attested: JourneyEntry = {
      ...base,
      kind: "certification",
      // Placed when the certifier recorded it (its block's time); its validity is shown beside it.
      at: this.blockTime(c.proof.blockNumber) ?? c.validFrom,
      detail: { certificateNo: c.certificateNo, validFrom: c.validFrom, validUntil: c.validUntil, subject: c.subject },
      certificate: { validFrom: c.validFrom, validUntil: c.validUntil, state: this.certificateState(c), revokedReason: c.revokedReason ?? null },
      proof: { transactionHash: c.proof.transactionHash, blockNumber: c.proof.blockNumber, dataHash: c.proof.dataHash },
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

  /** Whether a certificate holds now, by its own dates (a plain date is the whole China day). */
  private certificateState(c: CertificationView): CertificateState {
    if (c.revoked) return "revoked";
    const now = this.now();
    if (now < startOf(c.validFrom)) return "upcoming";
    return now > endOf(c.validUntil) ? "expired" : "valid";
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
      producer: member.creator.organisation
        ? { name: member.creator.organisation.name, role: member.creator.organisation.role, id: member.creator.organisation.id }
        : null,
      harvestedAt: (harvest.harvestedAt as string | undefined) ?? null,
      quantity: (harvest.quantity as Origin["quantity"] | undefined) ?? null,
    };
  }

  private orgLabel(address: string): OrgLabel | null {
    const org = this.orgs.byAddress(getAddress(address));
    return org ? { name: org.name, role: org.role } : null;
  }

  /** The deploy block of the ledger the index follows, when that is this contract. */
  private deployBlockOf(contract: string): number | null {
    const cursor = this.blocks.getCursor();
    return cursor && cursor.address.toLowerCase() === contract.toLowerCase() ? cursor.deployBlock : null;
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
    .flatMap((c) => [startOf(c.validFrom), endOf(c.validUntil) + 1000])
    .filter((moment) => moment > now);
  return moments.length > 0 ? Math.min(...moments) : undefined;
}

/**
 * By when each happened; a plain date is a whole China day, so an event dated by its day and
 * one with a time on that day keep the chain's order.
 */
function byWhenThenChainOrder(a: JourneyEntry, b: JourneyEntry): number {
  const chainOrder = a.order[0] - b.order[0] || a.order[1] - b.order[1];
  if (!a.at || !b.at) return (a.at ? 0 : 1) - (b.at ? 0 : 1) || chainOrder;
  const atA = startOf(a.at);
  const atB = startOf(b.at);
  if ((isPlainDate(a.at) || isPlainDate(b.at)) && chinaDateOf(atA) === chinaDateOf(atB)) return chainOrder;
  return atA - atB || chainOrder;
}

/** The quantity a batch was created with: its harvest's, or the split output's. */
function ownQuantity(creating: Record<string, unknown> | null | undefined): { amount: number; unit: string } | null {
  if (!creating) return null;
  const made = (creating.output as Record<string, unknown> | undefined) ?? creating;
  return (made.quantity as { amount: number; unit: string } | undefined) ?? null;
}


function recallReason(batch: BatchView): string | null {
  const recall = batch.events.find((event) => event.type === "recall");
  return (recall?.detail?.reason as string | undefined) ?? null;
}

/** Each event extends the head the one before it produced: the chain of heads is unbroken. */
function headsLink(events: readonly EventView[]): boolean {
  return events.every((event, i) => i === 0 || event.proof.prevHead === events[i - 1].proof.head);
}
