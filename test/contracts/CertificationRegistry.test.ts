import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, encodeBytes32String, keccak256, Signature, toBeHex, verifyTypedData, ZeroAddress } from "ethers";
import { batchId, deployLedgerFixture, KIWI_GTIN, MANGO_GTIN, type LedgerFixture } from "../helpers/ledger-fixture";
import { ATTESTATION_TYPES, certificationIdFor, REVOCATION_TYPES, signAttestation, signRevocation, ZHENPIN_SCHEME, type Attestation } from "../../server/chain/typed-data";
import { hashDetail, ZERO_HASH } from "../../server/domain/hashes";
import { roleId } from "../../server/chain/roles";
import { CertificationStatus, EventKind, SubjectKind } from "../../server/domain/event-kinds";

const { Harvest, Processing } = EventKind;
const { None, Valid, Expired, Revoked } = CertificationStatus;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HOUR = 3_600n;
const DAY = 86_400n;
const MANGO = BigInt(MANGO_GTIN);
const KIWI = BigInt(KIWI_GTIN);
const REASON = "抽检不合格 (failed a spot check)";

type Subject = Pick<Attestation, "subjectKind" | "batchId" | "producer" | "gtin">;
type Period = Pick<Attestation, "validFrom" | "validUntil">;
type Sig = { r: string; s: string; v: number };

/** The subject fields of a certification of one batch. */
function ofBatch(batch: string): Subject {
  return { subjectKind: SubjectKind.Batch, batchId: batch, producer: ZeroAddress, gtin: 0n };
}

/** The subject fields of a certification of a producer's product line. */
function ofProductLine(producer: string, gtin = MANGO): Subject {
  return { subjectKind: SubjectKind.ProductLine, batchId: ZERO_HASH, producer, gtin };
}

function period(validFrom: bigint, validUntil: bigint): Period {
  return { validFrom, validUntil };
}

/** A 圳品 attestation of `subject` valid over `validity`; `fields` overrides the rest. */
function attestation(subject: Subject, validity: Period, fields: Partial<Attestation> = {}): Attestation {
  const certificateNo = fields.certificateNo ?? "SZP-2024-0001";
  return {
    scheme: ZHENPIN_SCHEME,
    certificateNo,
    ...subject,
    ...validity,
    dataHash: hashDetail({ scheme: "圳品", certificateNo }),
    ...fields,
  };
}

/** keccak256(abi.encode(producer, gtin)): how the contract keys a product line. */
function productLineKey(producer: string, gtin: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint64"], [producer, gtin]));
}

/** The same signature with s mirrored into the upper half of the curve order and v flipped. */
function highS({ r, s, v }: Sig): Sig {
  return { r, s: toBeHex(SECP256K1_N - BigInt(s), 32), v: v === 27 ? 28 : 27 };
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Relays `a` with `signature` (by default the signer's own) from the relayer's account. */
async function attestBy(f: LedgerFixture, signer: HardhatEthersSigner, a: Attestation, signature?: Sig) {
  const { r, s, v } = signature ?? (await signAttestation(signer, f.domain, a));
  return f.ledger.connect(f.relayer).attest(a, r, s, v);
}

/** Attests `a` by `signer` (the certifier by default) and returns the certification id. */
async function attested(f: LedgerFixture, a: Attestation, signer = f.certifier): Promise<string> {
  await attestBy(f, signer, a);
  return certificationIdFor(signer.address, a.scheme, a.certificateNo);
}

async function revokeBy(f: LedgerFixture, signer: HardhatEthersSigner, id: string, reason = REASON, signature?: Sig) {
  const { r, s, v } = signature ?? (await signRevocation(signer, f.domain, id, reason));
  return f.ledger.connect(f.relayer).revoke(id, reason, r, s, v);
}

interface HarvestOptions {
  by?: HardhatEthersSigner;
  gtin?: string;
  /** The block time of the harvest; the next block's by default. */
  at?: bigint;
}

/** Harvests a new batch and returns its id. */
async function harvested(
  f: LedgerFixture,
  lot: string,
  { by = f.producer, gtin = MANGO_GTIN, at }: HarvestOptions = {},
) {
  const id = batchId(lot, gtin);
  if (at !== undefined) await time.setNextBlockTimestamp(at);
  await f.driver.record(by, id, Harvest);
  if (at !== undefined) expect((await f.ledger.originOf(id)).createdAt).to.equal(at);
  return id;
}

/** The batch's certification status at `at` as [status, certification id]. */
async function statusOf(f: LedgerFixture, batch: string, at: bigint): Promise<[number, string]> {
  const [status, id] = await f.ledger.certificationStatus(batch, at);
  return [Number(status), id];
}

describe("CertificationRegistry", function () {
  describe("attest: batch subject", function () {
    it("records the certification, lists it under the batch and emits CertificationAttested", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const batch = await harvested(f, "TY-001");
      const t = await now();
      const a = attestation(ofBatch(batch), period(t, t + 365n * DAY));
      const id = certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, a.certificateNo);
      const { r, s, v } = await signAttestation(f.certifier, f.domain, a);
      expect(await f.ledger.connect(f.relayer).attest.staticCall(a, r, s, v)).to.equal(id);

      await expect(attestBy(f, f.certifier, a))
        .to.emit(f.ledger, "CertificationAttested")
        .withArgs(
          id,
          f.certifier.address,
          batch,
          SubjectKind.Batch,
          ZHENPIN_SCHEME,
          a.certificateNo,
          ZeroAddress,
          0n,
          a.validFrom,
          a.validUntil,
          a.dataHash,
        );
      expect([...(await f.ledger.certification(id))]).to.deep.equal([
        f.certifier.address,
        a.validFrom,
        a.validUntil,
        BigInt(SubjectKind.Batch),
        false,
        batch,
      ]);
      expect(await f.ledger.batchCertifications(batch)).to.deep.equal([id]);
    });

    it("reverts when the batch does not exist", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const unknown = batchId("NEVER-HARVESTED");
      const t = await now();
      await expect(attestBy(f, f.certifier, attestation(ofBatch(unknown), period(t, t + DAY))))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryUnknownBatch")
        .withArgs(unknown);
    });

    it("reverts when the batch id is zero", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      await expect(attestBy(f, f.certifier, attestation(ofBatch(ZERO_HASH), period(t, t + DAY))))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryUnknownBatch")
        .withArgs(ZERO_HASH);
    });

    for (const [what, fields] of [
      ["a producer is named", (f: LedgerFixture) => ({ producer: f.producer.address })],
      ["a GTIN is named", () => ({ gtin: MANGO })],
    ] as const) {
      it(`reverts when ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const batch = await harvested(f, "TY-001");
        const t = await now();
        const a = attestation({ ...ofBatch(batch), ...fields(f) }, period(t, t + DAY));
        await expect(attestBy(f, f.certifier, a))
          .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryInvalidSubject")
          .withArgs(SubjectKind.Batch);
      });
    }
  });

  describe("attest: product-line subject", function () {
    it("records the certification, lists it under the product line and emits CertificationAttested", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const a = attestation(ofProductLine(f.producer.address), period(t, t + 365n * DAY));
      const id = certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, a.certificateNo);
      const subject = productLineKey(f.producer.address, MANGO);

      await expect(attestBy(f, f.certifier, a))
        .to.emit(f.ledger, "CertificationAttested")
        .withArgs(
          id,
          f.certifier.address,
          subject,
          SubjectKind.ProductLine,
          ZHENPIN_SCHEME,
          a.certificateNo,
          f.producer.address,
          MANGO,
          a.validFrom,
          a.validUntil,
          a.dataHash,
        );
      const stored = await f.ledger.certification(id);
      expect(stored.subjectKind).to.equal(SubjectKind.ProductLine);
      expect(stored.subject).to.equal(subject);
      expect(await f.ledger.productLineCertifications(f.producer.address, MANGO)).to.deep.equal([id]);
      expect(await f.ledger.productLineCertifications(f.otherProducer.address, MANGO)).to.deep.equal([]);
      expect(await f.ledger.productLineCertifications(f.producer.address, KIWI)).to.deep.equal([]);
    });

    for (const [what, fields] of [
      [
        "a batch id is named",
        (f: LedgerFixture) => ({ batchId: batchId("TY-001", MANGO_GTIN), producer: f.producer.address }),
      ],
      ["the producer is zero", () => ({ producer: ZeroAddress })],
      ["the producer does not hold the producer role", (f: LedgerFixture) => ({ producer: f.carrier.address })],
      ["the GTIN check digit is wrong", (f: LedgerFixture) => ({ producer: f.producer.address, gtin: MANGO + 1n })],
      ["the GTIN is zero", (f: LedgerFixture) => ({ producer: f.producer.address, gtin: 0n })],
      ["the GTIN has 15 digits", (f: LedgerFixture) => ({ producer: f.producer.address, gtin: 100_000_000_000_009n })],
    ] as const) {
      it(`reverts when ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        await harvested(f, "TY-001");
        const t = await now();
        const a = attestation({ ...ofProductLine(f.producer.address), ...fields(f) }, period(t, t + DAY));
        await expect(attestBy(f, f.certifier, a))
          .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryInvalidSubject")
          .withArgs(SubjectKind.ProductLine);
      });
    }
  });

  describe("attest: validity period", function () {
    it("accepts a period of one second (validFrom equal to validUntil)", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      await expect(attestBy(f, f.certifier, attestation(ofProductLine(f.producer.address), period(t, t)))).to.emit(
        f.ledger,
        "CertificationAttested",
      );
    });

    it("reverts when validFrom is after validUntil", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      await expect(attestBy(f, f.certifier, attestation(ofProductLine(f.producer.address), period(t + 1n, t))))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryInvalidValidity")
        .withArgs(t + 1n, t);
    });
  });

  describe("attest: certificate number", function () {
    for (const [what, certificateNo] of [
      ["one byte", "1"],
      ["64 ASCII bytes", "S".repeat(64)],
      ["21 Chinese characters (63 bytes)", "圳".repeat(21)],
    ]) {
      it(`accepts ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const t = await now();
        const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY), { certificateNo });
        await expect(attestBy(f, f.certifier, a)).to.emit(f.ledger, "CertificationAttested");
      });
    }

    for (const [what, certificateNo] of [
      ["it is empty", ""],
      ["it has 65 ASCII bytes", "S".repeat(65)],
      ["it has 22 Chinese characters (66 bytes)", "圳".repeat(22)],
    ]) {
      it(`reverts when ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const t = await now();
        const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY), { certificateNo });
        await expect(attestBy(f, f.certifier, a)).to.be.revertedWithCustomError(
          f.ledger,
          "CertificationRegistryInvalidCertificateNo",
        );
      });
    }
  });

  describe("attest: signer", function () {
    for (const who of ["outsider", "producer", "admin"] as const) {
      it(`reverts when the signer (the ${who}) is not a certifier`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const t = await now();
        await expect(attestBy(f, f[who], attestation(ofProductLine(f.producer.address), period(t, t + DAY))))
          .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertifier")
          .withArgs(f[who].address);
      });
    }

    it("reverts when the certifier's role was revoked", async function () {
      const f = await loadFixture(deployLedgerFixture);
      await f.ledger.connect(f.admin).revokeRole(roleId("certifier"), f.certifier.address);
      const t = await now();
      await expect(attestBy(f, f.certifier, attestation(ofProductLine(f.producer.address), period(t, t + DAY))))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertifier")
        .withArgs(f.certifier.address);
    });

    it("reverts when the attestation was changed after signing (another address is recovered)", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const signed = attestation(ofProductLine(f.producer.address), period(t, t + DAY));
      const signature = await signAttestation(f.certifier, f.domain, signed);
      const extended = { ...signed, validUntil: signed.validUntil + 365n * DAY };
      const seenAs = verifyTypedData(f.domain, ATTESTATION_TYPES, extended, Signature.from(signature));
      expect(seenAs).not.to.equal(f.certifier.address);
      await expect(attestBy(f, f.certifier, extended, signature))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertifier")
        .withArgs(seenAs);
    });

    it("reverts when the signature is malleated to high s, and accepts its low-s form", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY));
      const signature = await signAttestation(f.certifier, f.domain, a);
      await expect(attestBy(f, f.certifier, a, highS(signature))).to.be.revertedWithCustomError(
        f.ledger,
        "CertificationRegistryInvalidSignature",
      );
      await expect(attestBy(f, f.certifier, a, signature)).to.emit(f.ledger, "CertificationAttested");
    });

    it("reverts when v is neither 27 nor 28", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY));
      const signature = await signAttestation(f.certifier, f.domain, a);
      await expect(attestBy(f, f.certifier, a, { ...signature, v: 29 })).to.be.revertedWithCustomError(
        f.ledger,
        "CertificationRegistryInvalidSignature",
      );
    });
  });

  describe("attest: certification id", function () {
    it("reverts when the attestation is replayed", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY));
      const signature = await signAttestation(f.certifier, f.domain, a);
      await attestBy(f, f.certifier, a, signature);
      await expect(attestBy(f, f.certifier, a, signature))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryCertificationExists")
        .withArgs(certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, a.certificateNo));
    });

    it("reverts when the certifier reuses a certificate number for another subject", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const batch = await harvested(f, "TY-001");
      const t = await now();
      const id = await attested(f, attestation(ofProductLine(f.producer.address), period(t, t + DAY)));
      await expect(attestBy(f, f.certifier, attestation(ofBatch(batch), period(t, t + 2n * DAY))))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryCertificationExists")
        .withArgs(id);
    });

    it("accepts the same certificate number from another certifier or under another scheme", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const a = attestation(ofProductLine(f.producer.address), period(t, t + DAY));
      const otherScheme = encodeBytes32String("绿色食品");
      const ids = [
        await attested(f, a),
        await attested(f, a, f.otherCertifier),
        await attested(f, { ...a, scheme: otherScheme }),
      ];
      expect(new Set(ids).size).to.equal(3);
      expect(await f.ledger.productLineCertifications(f.producer.address, MANGO)).to.deep.equal(ids);
      expect((await f.ledger.certification(ids[1])).certifier).to.equal(f.otherCertifier.address);
    });
  });

  describe("revoke", function () {
    /** A fixture with one product-line certification by the certifier. */
    async function withCertification() {
      const f = await loadFixture(deployLedgerFixture);
      const t = await now();
      const id = await attested(f, attestation(ofProductLine(f.producer.address), period(t, t + DAY)));
      return { f, id };
    }

    for (const who of ["certifier", "admin"] as const) {
      it(`revokes by the signature of the ${who} and emits CertificationRevoked`, async function () {
        const { f, id } = await withCertification();
        const before = await f.ledger.certification(id);
        await expect(revokeBy(f, f[who], id))
          .to.emit(f.ledger, "CertificationRevoked")
          .withArgs(id, f[who].address, REASON);
        const after = await f.ledger.certification(id);
        expect(after.revoked).to.equal(true);
        expect([after.certifier, after.validFrom, after.validUntil, after.subject]).to.deep.equal([
          before.certifier,
          before.validFrom,
          before.validUntil,
          before.subject,
        ]);
      });
    }

    it("revokes by the signature of the certifier after its role was revoked", async function () {
      const { f, id } = await withCertification();
      await f.ledger.connect(f.admin).revokeRole(roleId("certifier"), f.certifier.address);
      await expect(revokeBy(f, f.certifier, id))
        .to.emit(f.ledger, "CertificationRevoked")
        .withArgs(id, f.certifier.address, REASON);
    });

    for (const who of ["otherCertifier", "producer", "outsider"] as const) {
      it(`reverts when the signer (the ${who}) is neither the certifier nor an admin`, async function () {
        const { f, id } = await withCertification();
        await expect(revokeBy(f, f[who], id))
          .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertificationIssuer")
          .withArgs(id, f[who].address);
      });
    }

    it("reverts when the certification does not exist", async function () {
      const { f } = await withCertification();
      const unknown = certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, "SZP-NEVER");
      await expect(revokeBy(f, f.certifier, unknown))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryUnknownCertification")
        .withArgs(unknown);
    });

    it("reverts when the certification is already revoked", async function () {
      const { f, id } = await withCertification();
      await revokeBy(f, f.certifier, id);
      for (const who of [f.certifier, f.admin]) {
        await expect(revokeBy(f, who, id, "again"))
          .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryCertificationAlreadyRevoked")
          .withArgs(id);
      }
    });

    it("reverts when the signature is over another reason (another address is recovered)", async function () {
      const { f, id } = await withCertification();
      const signature = await signRevocation(f.certifier, f.domain, id, REASON);
      const submitted = "过期 (expired)";
      const seenAs = verifyTypedData(
        f.domain,
        REVOCATION_TYPES,
        { certificationId: id, reason: submitted },
        Signature.from(signature),
      );
      expect(seenAs).not.to.equal(f.certifier.address);
      await expect(revokeBy(f, f.certifier, id, submitted, signature))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertificationIssuer")
        .withArgs(id, seenAs);
    });

    it("reverts when the signature is over another certification (another address is recovered)", async function () {
      const { f, id } = await withCertification();
      const t = await now();
      const otherId = await attested(
        f,
        attestation(ofProductLine(f.producer.address, KIWI), period(t, t + DAY), { certificateNo: "SZP-2024-0002" }),
      );
      const signature = await signRevocation(f.certifier, f.domain, id, REASON);
      const seenAs = verifyTypedData(
        f.domain,
        REVOCATION_TYPES,
        { certificationId: otherId, reason: REASON },
        Signature.from(signature),
      );
      await expect(revokeBy(f, f.certifier, otherId, REASON, signature))
        .to.be.revertedWithCustomError(f.ledger, "CertificationRegistryNotCertificationIssuer")
        .withArgs(otherId, seenAs);
    });

    it("reverts when the signature is malleated to high s", async function () {
      const { f, id } = await withCertification();
      const signature = await signRevocation(f.certifier, f.domain, id, REASON);
      await expect(revokeBy(f, f.certifier, id, REASON, highS(signature))).to.be.revertedWithCustomError(
        f.ledger,
        "CertificationRegistryInvalidSignature",
      );
      expect((await f.ledger.certification(id)).revoked).to.equal(false);
    });
  });

  describe("certificationStatus: batch certifications", function () {
    /** A fixture with one harvested batch, the time after the harvest, and periods around that time. */
    async function withBatch() {
      const f = await loadFixture(deployLedgerFixture);
      const batch = await harvested(f, "TY-001");
      const t = await now();
      const periods = {
        current: period(t - 10n * DAY, t + 10n * DAY),
        expired: period(t - 30n * DAY, t - 20n * DAY),
        future: period(t + 20n * DAY, t + 30n * DAY),
      };
      let serial = 0;
      /** Attests a certification of the batch over `validity`, revoked if asked; returns its id. */
      const certify = async (validity: Period, revoked = false) => {
        const id = await attested(f, attestation(ofBatch(batch), validity, { certificateNo: `SZP-B-${++serial}` }));
        if (revoked) await revokeBy(f, f.certifier, id);
        return id;
      };
      return { f, batch, t, periods, certify };
    }

    it("is None without a certification, for an existing and an unknown batch", async function () {
      const { f, batch, t } = await withBatch();
      expect(await statusOf(f, batch, t)).to.deep.equal([None, ZERO_HASH]);
      expect(await statusOf(f, batchId("NEVER-HARVESTED"), t)).to.deep.equal([None, ZERO_HASH]);
    });

    it("is Valid from validFrom through validUntil", async function () {
      const { f, batch, periods, certify } = await withBatch();
      const id = await certify(periods.current);
      const { validFrom, validUntil } = periods.current;
      for (const at of [validFrom, validFrom + HOUR, validUntil]) {
        expect(await statusOf(f, batch, at), `at ${at}`).to.deep.equal([Valid, id]);
      }
    });

    it("is None before validFrom", async function () {
      const { f, batch, periods, certify } = await withBatch();
      await certify(periods.current);
      for (const at of [0n, periods.current.validFrom - 1n]) {
        expect(await statusOf(f, batch, at), `at ${at}`).to.deep.equal([None, ZERO_HASH]);
      }
    });

    it("is Expired after validUntil", async function () {
      const { f, batch, periods, certify } = await withBatch();
      const id = await certify(periods.current);
      for (const at of [periods.current.validUntil + 1n, 2n ** 64n - 1n]) {
        expect(await statusOf(f, batch, at), `at ${at}`).to.deep.equal([Expired, id]);
      }
    });

    it("is Revoked after revocation, at any time, never Valid", async function () {
      const { f, batch, periods, certify } = await withBatch();
      const id = await certify(periods.current);
      const { validFrom, validUntil } = periods.current;
      expect(await statusOf(f, batch, validFrom)).to.deep.equal([Valid, id]);
      await revokeBy(f, f.certifier, id);
      for (const at of [0n, validFrom, validFrom + HOUR, validUntil, validUntil + 1n]) {
        expect(await statusOf(f, batch, at), `at ${at}`).to.deep.equal([Revoked, id]);
      }
    });

    // Which status wins when two certifications cover the batch, whichever was attested first.
    type Kind = "valid" | "revoked" | "expired" | "future";
    for (const [winner, loser] of [
      ["valid", "revoked"],
      ["valid", "expired"],
      ["revoked", "expired"],
      ["expired", "future"],
    ] as const) {
      for (const winnerFirst of [true, false]) {
        it(`reads ${winner} over ${loser} (${winner} attested ${winnerFirst ? "first" : "last"})`, async function () {
          const { f, batch, t, periods, certify } = await withBatch();
          const make = (kind: Kind) =>
            kind === "expired" || kind === "future"
              ? certify(periods[kind])
              : certify(periods.current, kind === "revoked");
          const ids: Partial<Record<Kind, string>> = {};
          for (const kind of winnerFirst ? [winner, loser] : [loser, winner]) ids[kind] = await make(kind);
          const expected = { valid: Valid, revoked: Revoked, expired: Expired }[winner];
          const winnerId = ids[winner];
          expect(await statusOf(f, batch, t)).to.deep.equal([expected, winnerId]);
        });
      }
    }
  });

  describe("certificationStatus: product-line certifications", function () {
    /**
     * A fixture with the producer's mango line certified over [t0 + 1 day, t0 + 2 days], where t0
     * is the time of the fixture; nothing is harvested yet.
     */
    async function withProductLine() {
      const f = await loadFixture(deployLedgerFixture);
      const t0 = await now();
      const validity = period(t0 + DAY, t0 + 2n * DAY);
      const id = await attested(f, attestation(ofProductLine(f.producer.address), validity));
      const inside = validity.validFrom + HOUR;
      return { f, id, validity, inside };
    }

    it("covers a harvest by the producer of the GTIN at the first and the last second of validity", async function () {
      const { f, id, validity, inside } = await withProductLine();
      const first = await harvested(f, "FIRST", { at: validity.validFrom });
      const last = await harvested(f, "LAST", { at: validity.validUntil });
      for (const batch of [first, last]) expect(await statusOf(f, batch, inside)).to.deep.equal([Valid, id]);
    });

    it("covers a harvest made before the attestation, inside the period", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const t0 = await now();
      const batch = await harvested(f, "EARLY", { at: t0 + HOUR });
      const id = await attested(f, attestation(ofProductLine(f.producer.address), period(t0, t0 + DAY)));
      expect(await statusOf(f, batch, t0 + 2n * HOUR)).to.deep.equal([Valid, id]);
    });

    it("does not cover a harvest one second before validFrom or after validUntil", async function () {
      const { f, validity, inside } = await withProductLine();
      const before = await harvested(f, "BEFORE", { at: validity.validFrom - 1n });
      const after = await harvested(f, "AFTER", { at: validity.validUntil + 1n });
      for (const batch of [before, after]) expect(await statusOf(f, batch, inside)).to.deep.equal([None, ZERO_HASH]);
    });

    it("does not cover a batch of another producer", async function () {
      const { f, inside, validity } = await withProductLine();
      const batch = await harvested(f, "OTHER", { by: f.otherProducer, at: validity.validFrom });
      expect(await statusOf(f, batch, inside)).to.deep.equal([None, ZERO_HASH]);
    });

    it("does not cover a batch of another GTIN", async function () {
      const { f, inside, validity } = await withProductLine();
      const batch = await harvested(f, "KIWI", { gtin: KIWI_GTIN, at: validity.validFrom });
      expect(await statusOf(f, batch, inside)).to.deep.equal([None, ZERO_HASH]);
    });

    it("does not cover a batch the producer made by processing a covered one", async function () {
      const { f, id, validity, inside } = await withProductLine();
      const input = await harvested(f, "INPUT", { at: validity.validFrom });
      const derived = batchId("PACKED");
      await time.setNextBlockTimestamp(validity.validFrom + 1n);
      await f.driver.record(f.producer, derived, Processing, { inputs: [input] });
      const origin = await f.ledger.originOf(derived);
      expect([origin.creator, origin.createdBy]).to.deep.equal([f.producer.address, BigInt(Processing)]);
      expect(origin.createdAt).to.equal(validity.validFrom + 1n);
      expect(await statusOf(f, input, inside)).to.deep.equal([Valid, id]);
      expect(await statusOf(f, derived, inside)).to.deep.equal([None, ZERO_HASH]);
    });

    it("is None before validFrom and Expired after validUntil for a covered batch", async function () {
      const { f, id, validity } = await withProductLine();
      const batch = await harvested(f, "TY-001", { at: validity.validFrom });
      expect(await statusOf(f, batch, validity.validFrom - 1n)).to.deep.equal([None, ZERO_HASH]);
      expect(await statusOf(f, batch, validity.validUntil + 1n)).to.deep.equal([Expired, id]);
    });

    it("is Revoked for a covered batch after revocation, and None for an uncovered one", async function () {
      const { f, id, validity, inside } = await withProductLine();
      const covered = await harvested(f, "IN", { at: validity.validFrom });
      const uncovered = await harvested(f, "OUT", { at: validity.validUntil + 1n });
      await revokeBy(f, f.admin, id);
      expect(await statusOf(f, covered, inside)).to.deep.equal([Revoked, id]);
      expect(await statusOf(f, uncovered, inside)).to.deep.equal([None, ZERO_HASH]);
    });

    it("reads a valid product-line certification over a revoked batch certification", async function () {
      const { f, id, validity, inside } = await withProductLine();
      const batch = await harvested(f, "TY-001", { at: validity.validFrom });
      const direct = await attested(f, attestation(ofBatch(batch), validity, { certificateNo: "SZP-B-1" }));
      await revokeBy(f, f.certifier, direct);
      expect(await statusOf(f, batch, inside)).to.deep.equal([Valid, id]);
    });

    it("reads a valid batch certification over a revoked product-line certification", async function () {
      const { f, id, validity, inside } = await withProductLine();
      const batch = await harvested(f, "TY-001", { at: validity.validFrom });
      const direct = await attested(f, attestation(ofBatch(batch), validity, { certificateNo: "SZP-B-1" }));
      await revokeBy(f, f.certifier, id);
      expect(await statusOf(f, batch, inside)).to.deep.equal([Valid, direct]);
    });
  });

  describe("batchCertifications and productLineCertifications", function () {
    it("list the ids per subject in attestation order, revoked ones included", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [first, second] = [await harvested(f, "TY-001"), await harvested(f, "TY-002")];
      const t = await now();
      const validity = period(t, t + DAY);
      const onFirst = [
        await attested(f, attestation(ofBatch(first), validity, { certificateNo: "B-1" })),
        await attested(f, attestation(ofBatch(first), validity, { certificateNo: "B-1" }), f.otherCertifier),
      ];
      const onSecond = await attested(f, attestation(ofBatch(second), validity, { certificateNo: "B-2" }));
      const line = await attested(
        f,
        attestation(ofProductLine(f.otherProducer.address, KIWI), validity, { certificateNo: "L-1" }),
      );
      await revokeBy(f, f.certifier, onFirst[0]);

      expect(await f.ledger.batchCertifications(first)).to.deep.equal(onFirst);
      expect(await f.ledger.batchCertifications(second)).to.deep.equal([onSecond]);
      expect(await f.ledger.productLineCertifications(f.otherProducer.address, KIWI)).to.deep.equal([line]);
      expect(await f.ledger.productLineCertifications(f.otherProducer.address, MANGO)).to.deep.equal([]);
      expect(await f.ledger.batchCertifications(ZERO_HASH)).to.deep.equal([]);
    });
  });
});
