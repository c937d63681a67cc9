/**
 * 承诺达标合格证 (server/domain/promise-certificate.ts), issued and collected:
 * - a holder of a batch (a producer or processor whose key the gateway keeps) issues the batch's
 *   certificate, filled in from what the ledger already knows — product, quantity it holds,
 *   origin counties and bases of every harvest the batch came from, the Digital Link — and its
 *   own contact details, so that a cooperative never fills it in twice; the same content issued
 *   again the same day is the same certificate;
 * - a processing that merges batches or splits them into new ones issues the output's
 *   certificate for the processor, in the same transaction as the write (EventService's hook);
 * - a receipt collects the batch's current certificate for the receiver, in the same
 *   transaction as the receipt;
 * - each side lists what it issued or collected in the last six months.
 */
import { ZeroHash } from "ethers";
import { signDigest } from "../chain/sign-digest";
import { canonicalize } from "../domain/canonical-json";
import { anyCountyByCode } from "../domain/divisions";
import { digitalLinkUri } from "../domain/digital-link";
import { chinaDateOf, startOf } from "../domain/china-dates";
import { conflict, DomainError, forbidden, invalidField, notFound } from "../domain/errors";
import { EventKind } from "../domain/event-kinds";
import { parseBatchId } from "../domain/gs1";
import { isRecalledHead } from "../domain/hashes";
import type { PlannedEvent } from "../domain/ledger-types";
import {
  certificateContent,
  certificateId,
  certificateNumber,
  contentKey,
  KEEP_MONTHS,
  monthsBefore,
  promiseDigest,
  type CertificateOrigin,
  type IssuePromiseCertificateBody,
  type OrgContact,
} from "../domain/promise-certificate";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { GroupCommit } from "../store/group-commit";
import type { LedgerEntryReads } from "../store/ledger-entry-reads";
import type { Org } from "../store/org-repository";
import type { CollectedCertificate, PromiseCertificateRepository, StoredPromiseCertificate } from "../store/promise-certificate-repository";
import type { BatchStateSource } from "./batch-state";
import { LedgerFacts } from "./ledger-rules/ledger-facts";
import { fits, inOwnUnit, round } from "./ledger-rules/quantities";
import type { RoleGuard } from "./role-standing";

/** Who issues certificates: those who grow produce and those who merge or repack it. */
export const ISSUER_ROLES: readonly string[] = ["producer", "processor"];

export interface PromiseCertificateSources {
  repo: PromiseCertificateRepository;
  entries: LedgerEntryReads;
  batches: Pick<BatchStateSource, "expectedHead">;
  keys: CustodialKeys;
  commits: GroupCommit;
  isAdmin(address: string): boolean;
  publicBaseUrl: string;
  roles?: Pick<RoleGuard, "assertHeld">;
  now?: () => number;
}

export interface Issued {
  /** False when the same content was issued before: this is that certificate. */
  created: boolean;
  certificate: StoredPromiseCertificate;
}

export type Side = "issued" | "collected";

/** A certificate as the API answers it: its content, the canonical text its id hashes, the signature and where to print it. */
export function certificateView(certificate: StoredPromiseCertificate | CollectedCertificate, publicBaseUrl: string) {
  const page = printPath(publicBaseUrl, certificate.id);
  return {
    id: certificate.id,
    certificateNo: certificate.certificateNo,
    batchId: certificate.batchId,
    issuedOn: certificate.issuedOn,
    issuedAt: certificate.issuedAt,
    automatic: certificate.automatic,
    issuer: { orgId: certificate.orgId, name: certificate.content.promiser.name },
    ...("collectedAt" in certificate ? { collectedAt: certificate.collectedAt, receiptEventId: certificate.receiptEventId } : {}),
    content: certificate.content,
    canonical: certificate.canonical,
    signer: certificate.signer,
    signature: certificate.signature,
    links: { html: page, label60x40: `${page}?size=60x40`, label80x60: `${page}?size=80x60`, a4: `${page}?size=a4`, tspl: `${page}?format=tspl`, zpl: `${page}?format=zpl` },
  };
}

export function printPath(publicBaseUrl: string, id: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/promise-certificates/${id}`;
}

export class PromiseCertificates {
  private readonly now: () => number;

  constructor(private readonly sources: PromiseCertificateSources) {
    this.now = sources.now ?? Date.now;
  }

  /** Issues (or finds) the batch's certificate for `org`, a holder: the API's and the console's way. */
  async issue(org: Org, batchId: string, body: IssuePromiseCertificateBody): Promise<Issued> {
    if (!ISSUER_ROLES.includes(org.role)) throw forbidden(`a ${org.role} does not issue 承诺达标合格证: producers and processors do`);
    if (!org.custodial || !org.keystore) {
      throw forbidden("this organisation signs with its own key, which the gateway does not hold: it cannot sign a certificate for it");
    }
    this.sources.roles?.assertHeld(org);
    const wallet = await this.sources.keys.unlock(org.address, org.keystore);
    return this.sources.commits.run(() => this.issueNow(org, batchId, body, wallet.privateKey, false));
  }

  /**
   * EventService's hook, inside the write's transaction once its events are committed: a receipt
   * collects the batch's current certificate; a merge's or a split's output gets its certificate
   * from its processor, when the gateway holds the processor's key (`privateKey`) and knows its
   * contact phone. A certificate the ledger's facts do not allow (nothing held) is left unissued;
   * the write stands either way.
   */
  afterWrite(org: Org, planned: readonly PlannedEvent[], privateKey?: string): void {
    const at = new Date(this.now()).toISOString();
    for (const p of planned) {
      if (p.event.kind !== EventKind.Receipt) continue;
      const current = this.sources.repo.currentOf(p.event.batchId);
      if (current && current.orgId !== org.id) this.sources.repo.collect(current.id, org.id, p.event.batchId, p.id, at);
    }
    if (!privateKey || !ISSUER_ROLES.includes(org.role) || !this.sources.repo.contactOf(org.id)?.phone) return;
    const outputs = new Set<string>();
    for (const p of planned) {
      const isOutput = p.event.prevHead === ZeroHash || p.event.inputs.length > 0;
      if (p.event.kind === EventKind.Processing && isOutput) outputs.add(p.event.batchId.toLowerCase());
    }
    for (const batchId of outputs) {
      try {
        this.issueNow(org, batchId, {}, privateKey, true);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
  }

  /** The certificate with this id. */
  byId(id: string): StoredPromiseCertificate | undefined {
    return /^0x[0-9a-fA-F]{64}$/.test(id) ? this.sources.repo.byId(id) : undefined;
  }

  /** The batch's current certificate (its latest). */
  currentOf(batchId: string): StoredPromiseCertificate | undefined {
    return this.sources.repo.currentOf(batchId);
  }

  /**
   * The links a batch's linkset offers for its current certificate (none while it has none): the
   * printable certificate and its signed content.
   */
  promiseCertificateLinks(batchId: string): Array<{ href: string; title: string; lang: string; type: string }> {
    const current = this.currentOf(batchId);
    if (!current) return [];
    const base = this.sources.publicBaseUrl.replace(/\/+$/, "");
    return [
      { href: printPath(base, current.id), title: `承诺达标合格证 ${current.certificateNo}（${current.content.promiser.name}，${current.issuedOn}）`, lang: "zh", type: "text/html" },
      { href: `${base}/api/v1/promise-certificates/${current.id}`, title: `承诺达标合格证 ${current.certificateNo}: signed content (JSON)`, lang: "zh", type: "application/json" },
    ];
  }

  /** What an organisation issued or collected in the last six months, newest first. */
  list(org: Org, side: Side, limit: number, offset: number) {
    const since = monthsBefore(chinaDateOf(this.now()), KEEP_MONTHS);
    const sinceIso = new Date(startOf(since)).toISOString();
    const page = side === "issued" ? this.sources.repo.issuedBy(org.id, sinceIso, limit, offset) : this.sources.repo.collectedBy(org.id, sinceIso, limit, offset);
    return { side, since, certificates: page.certificates.map((c) => certificateView(c, this.sources.publicBaseUrl)), total: page.total, limit, offset };
  }

  contactOf(orgId: string): OrgContact | undefined {
    return this.sources.repo.contactOf(orgId);
  }

  /** Sets an organisation's contact details (by itself or the admin). */
  setContact(orgId: string, contact: OrgContact): OrgContact {
    if (!this.sources.repo.setContact(orgId, contact)) throw notFound(`no organisation ${orgId}`, "orgId");
    return contact;
  }

  /** Issues inside a transaction (a GroupCommit job, or the write's own). */
  private issueNow(org: Org, batchIdIn: string, body: IssuePromiseCertificateBody, privateKey: string, automatic: boolean): Issued {
    const batchId = batchIdIn.toLowerCase();
    const head = this.sources.batches.expectedHead(batchId);
    if (!head || head === ZeroHash) throw notFound(`no batch ${batchId}`, "batchId");
    if (isRecalledHead(head)) throw conflict("the batch is recalled: no certificate is issued for it", "batchId");
    const now = this.now();
    const facts = new LedgerFacts(this.sources.entries, "accepted", { isAdmin: this.sources.isAdmin, now });
    const ledger = facts.ledger(batchId);
    if (ledger.voided) throw conflict("the batch's creation was declared void: it does not exist", "batchId");
    const held = ledger.heldBy(org.address);
    if (!(held > 0)) throw conflict(`${org.name} does not hold this batch: only a holder issues its certificate`, "batchId");

    let quantity: { amount: number; unit: string };
    if (body.quantity) {
      const amount = ledger.toMeasure(body.quantity);
      if (amount === undefined) throw invalidField("quantity.unit", `does not convert into this batch's unit (${ledger.measure?.own ?? "unknown"})`);
      if (!fits(amount, held)) {
        const holds = inOwnUnit(held, ledger.measure!);
        throw conflict(`is more than ${org.name} holds of this batch (${holds.amount} ${holds.unit})`, "quantity.amount");
      }
      quantity = { amount: round(body.quantity.amount), unit: body.quantity.unit };
    } else {
      if (!ledger.measure) throw invalidField("quantity", "is required: this batch's quantity is not known here");
      quantity = inOwnUnit(held, ledger.measure);
    }

    const contact = { ...this.sources.repo.contactOf(org.id), ...body.contact };
    if (!contact.phone) {
      throw invalidField("contact.phone", "is required: the organisation has no contact phone yet (set it with POST /api/v1/org/contact, or give contact.phone)");
    }
    const product = ledger.productName ?? facts.ancestors(batchId).map((id) => facts.ledger(id).productName).find(Boolean);
    const { gtin, lot } = parseBatchId(batchId);
    const issuedOn = chinaDateOf(now);
    const content = certificateContent({
      certificateNo: "",
      issuedOn,
      batch: { id: batchId, gtin, lot },
      digitalLink: digitalLinkUri(this.sources.publicBaseUrl, gtin, lot),
      product: { name: product ?? lot },
      quantity,
      origins: originsOf(facts, batchId),
      promiser: {
        orgId: org.id,
        name: org.name,
        role: org.role,
        phone: contact.phone,
        ...(contact.address ? { address: contact.address } : {}),
        account: org.address,
      },
      marks: body.marks ?? [],
    });
    const key = contentKey(content);
    const earlier = this.sources.repo.byContent(batchId, key);
    if (earlier) return { created: false, certificate: earlier };

    content.certificateNo = certificateNumber(issuedOn, this.sources.repo.countOn(issuedOn) + 1);
    const id = certificateId(content);
    const certificate: StoredPromiseCertificate = {
      id,
      content,
      canonical: canonicalize(content),
      signer: org.address,
      signature: signDigest(privateKey, promiseDigest(id)).serialized,
      batchId,
      orgId: org.id,
      certificateNo: content.certificateNo,
      issuedOn,
      issuedAt: new Date(now).toISOString(),
      automatic,
    };
    this.sources.repo.insert(certificate, key);
    return { created: true, certificate: this.sources.repo.byId(id)! };
  }
}

/** The origins of every harvest the batch came from (itself first, then what it was made from), each once. */
function originsOf(facts: LedgerFacts, batchId: string): CertificateOrigin[] {
  const origins: CertificateOrigin[] = [];
  const seen = new Set<string>();
  for (const id of [batchId, ...facts.ancestors(batchId)]) {
    const creation = facts.entries(id).own[0];
    if (!creation || creation.kind !== "harvest" || !creation.detail) continue;
    const replacement = facts.ledger(id).corrections.get(creation.ref)?.replacement;
    const origin = ((replacement?.origin ?? creation.detail.origin) ?? {}) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value : undefined);
    const countyCode = text(origin.countyCode);
    if (!countyCode) continue;
    const division = anyCountyByCode(countyCode);
    const found: CertificateOrigin = {
      lot: parseBatchId(id).lot,
      countyCode,
      county: text(origin.county) ?? division?.shortName ?? countyCode,
      ...(division?.province ? { province: division.province } : {}),
      ...(text(origin.village) ? { village: text(origin.village) } : {}),
      ...(text(origin.base) ? { base: text(origin.base) } : {}),
    };
    const same = `${found.countyCode}|${found.village ?? ""}|${found.base ?? ""}`;
    if (seen.has(same)) continue;
    seen.add(same);
    origins.push(found);
  }
  return origins;
}
