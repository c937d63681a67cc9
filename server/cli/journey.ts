/**
 * A batch as `batch show` prints it for a person: what it is and where it comes from, who holds
 * it, its 圳品 status and recall, then its journey — each event in chain order with when, who
 * and what — and the events not on chain yet. Times are China Standard Time, as on the pages.
 * A terminal cannot strike an event through: an event a correction declared void is marked
 * VOID, one superseded SUPERSEDED, each with the correction that says so, and the correction
 * says which event it corrects.
 */
type Detail = Record<string, any>;

type EventStatus = "live" | "void" | "superseded";

interface BatchEvent {
  position: number;
  type: string;
  eventId?: string | null;
  signer: { address: string; organisation: { name: string; role: string } | null };
  detail: Detail | null;
  detailMatchesChain: boolean | null;
  /** How the event stands after the batch's corrections (by the ledger's rules). */
  status?: EventStatus;
  inputs: string[];
  proof: { timestamp: string; transactionHash: string; blockNumber: number; dataHash?: string };
}

/** The body of GET /api/v1/batches/{batchId}, as far as the journey needs it. */
export interface BatchView {
  batchId: string;
  gtin: string;
  lot: string;
  product: { name?: string; variety?: string } | null;
  origin: { countyCode?: string; county?: string; village?: string; base?: string; povertyCounty?: boolean } | null;
  creator: { address: string; organisation: { name: string; role: string } | null };
  createdAt: string;
  recall: { recalled: boolean; self: boolean; viaInputs: string[] };
  certification: { status: string; scheme?: string; certificateNo?: string; validUntil?: string; revokedReason?: string };
  lineage: { inputs: string[]; outputs: string[] };
  events: BatchEvent[];
  unconfirmedEvents: { eventId: string; type: string; status: string; detail: Detail | null }[];
  /** Who holds the batch, by the ledger's rules over the chain's events. */
  custody?: { holders: { name: string; quantity: { amount: number; unit: string } }[]; inTransit: { to: { name: string }; quantity: { amount: number; unit: string } }[] };
  /** Rules that events on chain break, by the event's data hash. */
  findings?: { dataHash: string; message: string }[];
  proof: { chainId: number; contract: string; head: string; eventCount: number };
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** An instant as China Standard Time: "2026-06-01 08:00". */
export function chinaTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Date(time + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

export function formatJourney(batch: BatchView): string {
  const lines: string[] = [];
  const name = [batch.product?.name, batch.product?.variety].filter(Boolean).join(" · ");
  lines.push(name || `${batch.gtin} / ${batch.lot}`);
  lines.push(`  batch          ${batch.batchId}`);
  lines.push(`  GTIN / lot     ${batch.gtin} / ${batch.lot}`);
  if (batch.origin) lines.push(`  origin         ${originText(batch.origin)}`);
  lines.push(`  created by     ${who(batch.creator)}; on chain since ${chinaTime(batch.createdAt)}`);
  if (batch.custody) lines.push(`  custody        ${custodyText(batch.custody)}`);
  lines.push(`  圳品           ${certificationText(batch.certification)}`);
  lines.push(`  recall         ${recallText(batch)}`);
  if (batch.lineage.inputs.length) lines.push(`  made from      ${batch.lineage.inputs.join(", ")}`);
  if (batch.lineage.outputs.length) lines.push(`  made into      ${batch.lineage.outputs.join(", ")}`);
  const corrections = new Corrections(batch.events);
  lines.push("", `journey (${batch.events.length} on chain, in order)`);
  for (const event of batch.events) {
    const when = chinaTime(eventTime(event.detail) ?? event.proof.timestamp);
    const what = event.detail ? describe(event.type, event.detail, corrections) : "detail not held by this gateway";
    const mismatch = event.detailMatchesChain === false ? "   ! detail does not match the chain" : "";
    const status = corrections.statusOf(event);
    const mark = status === "live" ? "" : `   ${status.toUpperCase()}`;
    lines.push(`  ${event.position + 1}. ${when}  ${event.type.padEnd(10)} ${who(event.signer)}${mark}`);
    if (what) lines.push(`       ${what}${mismatch}`);
    const correctedBy = corrections.correctionOf(event);
    if (correctedBy) lines.push(`       ${status === "void" ? "void, declared by" : "superseded by"} event ${correctedBy.number}: ${correctedBy.reason}`);
    for (const finding of (batch.findings ?? []).filter((f) => sameHash(f.dataHash, event.proof.dataHash))) {
      lines.push(`       ! breaks a rule: ${finding.message}`);
    }
  }
  if (batch.unconfirmedEvents.length) {
    lines.push("", "not on chain yet");
    for (const event of batch.unconfirmedEvents) {
      const what = event.detail ? describe(event.type, event.detail, corrections) : "";
      lines.push(`  - ${event.type} (${event.status})${what ? `: ${what}` : ""}`);
    }
  }
  lines.push("", `chain ${batch.proof.chainId}, contract ${batch.proof.contract}, head ${batch.proof.head}`);
  return lines.join("\n");
}

/**
 * The batch's corrections: which event each declares void or superseded, by its data hash. The
 * gateway's verdict (event.status, the ledger's rules) is taken where it gives one; else the
 * latest correction of an event stands.
 */
class Corrections {
  private readonly byTarget = new Map<string, { number: number; declaration: string; reason: string }>();
  private readonly numberOf = new Map<string, number>();

  constructor(events: BatchEvent[]) {
    for (const event of events) {
      if (event.proof.dataHash) this.numberOf.set(event.proof.dataHash.toLowerCase(), event.position + 1);
      const d = event.detail;
      if (event.type === "correction" && d && typeof d.corrects === "string") {
        this.byTarget.set(d.corrects.toLowerCase(), { number: event.position + 1, declaration: String(d.declaration), reason: String(d.reason ?? "") });
      }
    }
  }

  statusOf(event: BatchEvent): EventStatus {
    if (event.status) return event.status;
    const correction = event.proof.dataHash ? this.byTarget.get(event.proof.dataHash.toLowerCase()) : undefined;
    return correction ? (correction.declaration === "void" ? "void" : "superseded") : "live";
  }

  correctionOf(event: BatchEvent) {
    if (this.statusOf(event) === "live" || !event.proof.dataHash) return undefined;
    return this.byTarget.get(event.proof.dataHash.toLowerCase());
  }

  /** How a correction names the event it corrects: by its number in the journey when on chain. */
  target(dataHash: string, kind: string | undefined): string {
    const number = this.numberOf.get(dataHash.toLowerCase());
    const what = kind ? ` (${kind})` : "";
    return number ? `event ${number}${what}` : `the ${kind ?? "event"} ${dataHash.slice(0, 10)}…`;
  }
}

function sameHash(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function custodyText(custody: NonNullable<BatchView["custody"]>): string {
  const amount = (q: { amount: number; unit: string }) => `${q.amount} ${q.unit}`.trim();
  const parts = [
    ...custody.holders.map((h) => `held by ${h.name} (${amount(h.quantity)})`),
    ...custody.inTransit.map((t) => `on its way to ${t.to.name} (${amount(t.quantity)})`),
  ];
  return parts.length ? parts.join(", ") : "held by nobody (all of it is sold or used)";
}

function who(party: { address: string; organisation: { name: string; role: string } | null }): string {
  return party.organisation ? `${party.organisation.name} (${party.organisation.role})` : `unregistered ${party.address}`;
}

function originText(origin: NonNullable<BatchView["origin"]>): string {
  const place = [origin.county, origin.village, origin.base].filter(Boolean).join(" ");
  const notes = [origin.countyCode, origin.povertyCounty ? "programme county" : undefined].filter(Boolean).join(", ");
  return notes ? `${place} (${notes})` : place;
}

function certificationText(c: BatchView["certification"]): string {
  if (c.status === "none") return "none";
  const facts = [c.certificateNo && `certificate ${c.certificateNo}`, c.validUntil && `until ${chinaTime(c.validUntil)}`];
  if (c.status === "revoked" && c.revokedReason) facts.push(`revoked: ${c.revokedReason}`);
  // Expired and revoked are shouted: a shopper must not take them for 圳品.
  const label = c.status === "valid" ? "valid" : c.status.toUpperCase();
  return `${label}: ${facts.filter(Boolean).join(", ")}`;
}

function recallText(batch: BatchView): string {
  if (!batch.recall.recalled) return "none";
  if (batch.recall.self) {
    const recall = batch.events.find((e) => e.type === "recall")?.detail;
    return recall ? `RECALLED: ${recall.reason} (${chinaTime(recall.recalledAt)})` : "RECALLED";
  }
  return `RECALLED through the batch it was made from: ${batch.recall.viaInputs.join(", ")}`;
}

/** The time an event names for itself; the block's time stands in when the detail is absent. */
function eventTime(detail: Detail | null): string | undefined {
  if (!detail) return undefined;
  return detail.harvestedAt ?? detail.occurredAt ?? detail.shippedAt ?? detail.receivedAt ?? detail.soldAt ?? detail.recalledAt;
}

function describe(type: string, d: Detail, corrections: Corrections): string {
  const quantity = (q?: { amount: number; unit: string }) => (q ? `${q.amount} ${q.unit}` : undefined);
  const parts: (string | undefined)[] = (() => {
    switch (type) {
      case "harvest":
        return [quantity(d.quantity), d.origin?.base, d.notes];
      case "processing":
        return [
          d.step,
          d.facility && `at ${d.facility}`,
          d.output && `into ${d.output.gtin} / ${d.output.lot} (${quantity(d.output.quantity)})`,
          d.notes,
        ];
      case "shipment":
        return [
          `${d.from} → ${d.to}`,
          d.vehicle,
          d.temperature && `${d.temperature.min}–${d.temperature.max} °C`,
          quantity(d.quantity),
          d.consignee?.name && `to ${d.consignee.name}`,
          d.notes,
        ];
      case "receipt":
        return [d.location, quantity(d.quantity), d.condition];
      case "sale":
        return [quantity(d.quantity), d.channel, d.amountCny !== undefined ? `¥${d.amountCny}` : undefined];
      case "recall":
        return [d.reason];
      case "correction": {
        const target = typeof d.corrects === "string" ? corrections.target(d.corrects, d.correctsKind) : "an event";
        if (d.declaration === "void") return [`declares ${target} void: ${d.reason}`];
        const now = d.replacement ? describe(String(d.replacement.type ?? d.correctsKind), d.replacement, corrections) : "";
        return [`supersedes ${target}: ${d.reason}${now ? `; now: ${now}` : ""}`];
      }
      default:
        return [];
    }
  })();
  return parts.filter((p) => p !== undefined && p !== "").join(", ");
}
