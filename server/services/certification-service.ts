/**
 * 圳品 certifications: a certifier attests a batch or a producer's product line, and revokes.
 * The attestation is signed with the certifier's custodial key and kept in the certification
 * outbox until the chain has it.
 */
import { randomUUID } from "node:crypto";
import { TypedDataEncoder, ZeroAddress, keccak256, toUtf8Bytes, type TypedDataDomain } from "ethers";
import { endOf, startOf } from "../domain/china-dates";
import { orgSummary } from "./planning/plan-context";
import type { RoleGuard } from "./role-standing";
import { canonicalize } from "../domain/canonical-json";
import { SubjectKind } from "../domain/event-kinds";
import { normalizeGtin } from "../domain/gs1";
import { ATTESTATION_TYPES, REVOCATION_TYPES, ZHENPIN_SCHEME, certificationIdFor, type Attestation } from "../chain/typed-data";
import { ZERO_HASH } from "../domain/hashes";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { EventDetails } from "../store/event-details";
import type { Idempotency, IdempotencyRepository, StoredAnswer } from "../store/idempotency-repository";
import type { CertificationOutboxRepository } from "../store/certification-outbox-repository";
import type { Org, OrgRepository } from "../store/org-repository";
import type { BatchCertificationBody, ProductLineCertificationBody } from "../domain/request-shapes";
import type { BatchStateSource } from "./batch-state";
import { conflict, forbidden, idempotencyMismatch, invalidField, notFound } from "../domain/errors";

/** What the chain (through the index) says about a certification. */
export interface CertificationLookup {
  onChain(certificationId: string): { certifier: string; revoked: boolean } | undefined;
}

export interface AcceptedCertificationWrite {
  eventId: string;
  certificationId: string;
  batchId: string | null;
  status: "pending";
}

export class CertificationService {
  constructor(
    private readonly details: EventDetails,
    private readonly outbox: CertificationOutboxRepository,
    private readonly orgs: OrgRepository,
    private readonly batches: BatchStateSource,
    private readonly chain: CertificationLookup,
    private readonly keys: CustodialKeys,
    private readonly domain: TypedDataDomain,
    private readonly answers: IdempotencyRepository,
    /** Refuses a certifier whose role the chain revoked, before anything is signed. */
    private readonly roles?: Pick<RoleGuard, "assertHeld">,
  ) {}

  async attestBatch(org: Org, batchId: string, body: BatchCertificationBody, idempotency?: Idempotency): Promise<StoredAnswer> {
    const wallet = await this.unlockCertifier(org);
    return this.once(org, idempotency, () => {
      const head = this.batches.expectedHead(batchId);
      if (!head || head === ZERO_HASH) throw notFound(`no batch ${batchId}`, "batchId");
      const attestation = this.attestation(body, { subjectKind: SubjectKind.Batch, batchId, producer: ZeroAddress, gtin: 0n });
      return this.queueAttestation(org, wallet, attestation, body, { kind: "batch", batchId }, batchId);
    });
  }

  async attestProductLine(org: Org, body: ProductLineCertificationBody, idempotency?: Idempotency): Promise<StoredAnswer> {
    const wallet = await this.unlockCertifier(org);
    const producer = this.orgs.byId(body.producer) ?? this.orgs.byAddress(body.producer);
    if (!producer || producer.role !== "producer") throw notFound("no producer organisation with this id or address", "producer");
    const gtin = normalizeGtin(body.gtin);
    return this.once(org, idempotency, () => {
      const attestation = this.attestation(body, {
        subjectKind: SubjectKind.ProductLine,
        batchId: ZERO_HASH,
        producer: producer.address,
        gtin: BigInt(gtin),
      });
      const subject = { kind: "productLine", producer: { id: producer.id, name: producer.name, address: producer.address }, gtin };
      return this.queueAttestation(org, wallet, attestation, body, subject, null);
    });
  }

  async revoke(org: Org, certificationId: string, reason: string, idempotency?: Idempotency): Promise<StoredAnswer> {
    const wallet = await this.unlockCertifier(org);
    return this.once(org, idempotency, () => {
      const writes = this.outbox.forCertification(certificationId);
      const attest = writes.find((w) => w.action === "attest");
      const onChain = this.chain.onChain(certificationId);
      const certifier = onChain?.certifier ?? (attest && this.orgs.byId(attest.orgId)?.address);
      if (!certifier) throw notFound(`no certification ${certificationId}`, "certificationId");
      if (certifier !== org.address) throw forbidden("only the certifier that attested a certification may revoke it");
      if (onChain?.revoked || writes.some((w) => w.action === "revoke")) throw conflict("the certification is revoked already");

      const signature = wallet.signingKey.sign(
        TypedDataEncoder.hash(this.domain, REVOCATION_TYPES, { certificationId, reason }),
      );
      const id = randomUUID();
      const detail = canonicalize({ v: 1, type: "revocation", certificationId, reason, org: orgSummary(org), recordedAt: new Date().toISOString() });
      this.outbox.insert({
        id,
        action: "revoke",
        orgId: org.id,
        certificationId,
        batchId: attest?.batchId ?? null,
        payload: { certificationId, reason, r: signature.r, s: signature.s, v: signature.v },
        detail,
      });
      return { eventId: id, certificationId, batchId: attest?.batchId ?? null, status: "pending" as const };
    });
  }

  private once(org: Org, idempotency: Idempotency | undefined, write: () => AcceptedCertificationWrite): StoredAnswer {
    return this.answers.answerOnce(org.id, idempotency, 202, write, idempotencyMismatch);
  }

  private async unlockCertifier(org: Org) {
    if (org.role !== "certifier") throw forbidden(`a ${org.role} may not attest or revoke certifications`);
    this.roles?.assertHeld(org);
    if (!org.custodial || !org.keystore) throw forbidden("this organisation signs its own attestations");
    return this.keys.unlock(org.address, org.keystore);
  }

  private attestation(
    body: BatchCertificationBody,
    subject: Pick<Attestation, "subjectKind" | "batchId" | "producer" | "gtin">,
  ): Omit<Attestation, "dataHash"> {
    // A plain date covers its whole China day: valid from its first second to its last.
    const validFrom = BigInt(Math.floor(startOf(body.validFrom) / 1000));
    const validUntil = BigInt(Math.floor(endOf(body.validUntil) / 1000));
    if (validFrom > validUntil) throw invalidField("validUntil", "must not be before validFrom");
    return { scheme: ZHENPIN_SCHEME, certificateNo: body.certificateNo, ...subject, validFrom, validUntil };
  }

  private queueAttestation(
    org: Org,
    wallet: Awaited<ReturnType<CustodialKeys["unlock"]>>,
    unsigned: Omit<Attestation, "dataHash">,
    body: BatchCertificationBody,
    subject: object,
    batchId: string | null,
  ): AcceptedCertificationWrite {
    const certificationId = certificationIdFor(org.address, unsigned.scheme, unsigned.certificateNo);
    if (this.chain.onChain(certificationId) || this.outbox.forCertification(certificationId).length) {
      throw conflict("this certificate number was attested already", "certificateNo");
    }
    const detail = canonicalize({
      v: 1,
      type: "certification",
      scheme: body.scheme,
      certificateNo: body.certificateNo,
      validFrom: body.validFrom,
      validUntil: body.validUntil,
      ...(body.notes ? { notes: body.notes } : {}),
      subject,
      org: orgSummary(org),
      recordedAt: new Date().toISOString(),
    });
    const attestation: Attestation = { ...unsigned, dataHash: keccak256(toUtf8Bytes(detail)) };
    const signature = wallet.signingKey.sign(TypedDataEncoder.hash(this.domain, ATTESTATION_TYPES, attestation));
    const id = randomUUID();
    this.details.put(attestation.dataHash, detail);
    this.outbox.insert({
      id,
      action: "attest",
      orgId: org.id,
      certificationId,
      batchId,
      payload: {
        attestation: { ...attestation, gtin: attestation.gtin.toString(), validFrom: attestation.validFrom.toString(), validUntil: attestation.validUntil.toString() },
        r: signature.r,
        s: signature.s,
        v: signature.v,
      },
      detail,
    });
    return { eventId: id, certificationId, batchId, status: "pending" };
  }
}
