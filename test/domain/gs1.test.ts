import { expect } from "chai";
import fc from "fast-check";
import { hexlify } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import {
  assertValidLot,
  batchIdFor,
  Gs1Error,
  gtinCheckDigit,
  isValidGtin,
  normalizeGtin,
  parseBatchId,
} from "../../server/domain/gs1";
import { EventKind } from "../../server/domain/event-kinds";
import { ZERO_HASH } from "../../server/domain/hashes";
import { deployLedgerFixture, type LedgerFixture } from "../helpers/ledger-fixture";

/** GS1 character set 82, spelled out from the GS1 General Specifications (figure 7.11-1). */
const GS1_CHARSET_82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;

/** Bytes beside each boundary of character set 82, and the padding byte. */
const EDGE_BYTES = [
  0x00, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x3f, 0x40, 0x41, 0x5a, 0x5b, 0x5e, 0x5f, 0x60, 0x61, 0x7a, 0x7b, 0x7f,
  0x80, 0xff,
];

// Known valid GTINs: GS1's EAN-8 example, a UPC-A, an EAN-13 and GTIN-14s.
const VALID_GTINS: readonly [gtin: string, gtin14: string][] = [
  ["96385074", "00000096385074"],
  ["036000291452", "00036000291452"],
  ["4006381333931", "04006381333931"],
  ["6901234567892", "06901234567892"],
  ["06901234567892", "06901234567892"],
  ["10614141000415", "10614141000415"],
];
const GTIN_13 = "6901234567892";
const GTIN_13_AS_NUMBER = 6901234567892n;

/** The Gs1Error that `run` throws; fails the test when nothing (or something else) is thrown. */
function gs1Refusal(run: () => unknown): Gs1Error {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(Gs1Error);
    return error as Gs1Error;
  }
  return expect.fail("expected a Gs1Error");
}

function isParsable(id: string): boolean {
  try {
    parseBatchId(id);
    return true;
  } catch {
    return false;
  }
}

/** The bytes of an ASCII or Latin-1 text as hex, without 0x. */
function hex(text: string): string {
  return Buffer.from(text, "latin1").toString("hex");
}

/** A 32-byte word from its fields: the GTIN as a number, the lot bytes and the 6 trailing bytes (hex). */
function word(gtin: bigint, lotHex: string, trailingHex = ""): string {
  return `0x${gtin.toString(16).padStart(12, "0")}${lotHex.padEnd(40, "0")}${trailingHex.padStart(12, "0")}`;
}

function withByte(id: string, index: number, value: number): string {
  const bytes = Buffer.from(id.slice(2), "hex");
  bytes[index] = value;
  return hexlify(bytes);
}

/** The GTIN field (bytes 0-5) of a word. */
function gtinField(id: string): bigint {
  return BigInt(id.slice(0, 14));
}

function withGtinField(id: string, gtin: bigint): string {
  return `0x${gtin.toString(16).padStart(12, "0")}${id.slice(14)}`;
}

/**
 * Harvests `id` by the producer and checks that the ledger records it exactly when parseBatchId
 * accepts it, and otherwise reverts with ProvenanceLedgerMalformedBatchId(id). Needs a chain on
 * which `id` does not exist yet; resolves to whether the id was accepted.
 */
async function expectHarvestParity(f: LedgerFixture, id: string): Promise<boolean> {
  const harvest = await f.driver.prepare(f.producer, id, EventKind.Harvest);
  const attempt = f.driver.recordPrepared(harvest);
  if (!isParsable(id)) {
    await expect(attempt, id).to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerMalformedBatchId").withArgs(id);
    return false;
  }
  await expect(attempt, id)
    .to.emit(f.ledger, "EventRecorded")
    .withArgs(id, f.producer.address, EventKind.Harvest, harvest.event.dataHash);
  expect(await f.ledger.headOf(id)).not.to.equal(ZERO_HASH);
  return true;
}

const LOT_A = hex("A");

/** 32-byte words that are not batch ids, each with what is wrong with it. */
const MALFORMED_WORDS: readonly [what: string, id: string][] = [
  ["a trailing byte is not zero", word(GTIN_13_AS_NUMBER, LOT_A, "01")],
  ["a 21st character is in the trailing bytes", word(GTIN_13_AS_NUMBER, hex("A".repeat(20)), "410000000000")],
  ["a character follows the padding", word(GTIN_13_AS_NUMBER, `${LOT_A}00${LOT_A}`)],
  ["the lot is empty", word(GTIN_13_AS_NUMBER, "")],
  ["the lot starts with padding", word(GTIN_13_AS_NUMBER, `00${LOT_A}`)],
  ["the lot holds a space", word(GTIN_13_AS_NUMBER, hex("A B"))],
  ["the lot holds a byte above 0x7f", word(GTIN_13_AS_NUMBER, "e9")],
  ["the GTIN check digit is wrong", word(GTIN_13_AS_NUMBER + 1n, LOT_A)],
  ["the GTIN is zero", word(0n, LOT_A)],
  ["the GTIN has 15 digits (and a correct check digit)", word(100000000000009n, LOT_A)],
  ["the GTIN field is all ones", word(2n ** 48n - 1n, LOT_A)],
  ["the word is zero", ZERO_HASH],
];

/** Batch ids at the edges of the format. */
const EDGE_IDS: readonly string[] = [
  batchIdFor("99999999999997", "A"), // the largest GTIN
  batchIdFor("00000000000017", "A"), // a GTIN of two digits, left-padded
  batchIdFor(GTIN_13, "z".repeat(20)), // a lot that fills its 20 bytes
];

describe("gs1", function () {
  describe("gtinCheckDigit", function () {
    it("computes the GS1 mod-10 check digit, weights 3,1,3,… from the right", function () {
      expect(gtinCheckDigit("9638507")).to.equal(4);
      expect(gtinCheckDigit("03600029145")).to.equal(2);
      expect(gtinCheckDigit("400638133393")).to.equal(1);
      expect(gtinCheckDigit("1061414100041")).to.equal(5);
      expect(gtinCheckDigit("0000000000000")).to.equal(0);
    });
  });

  describe("normalizeGtin", function () {
    for (const [gtin, gtin14] of VALID_GTINS) {
      it(`accepts the GTIN-${gtin.length} ${gtin} as ${gtin14}`, function () {
        expect(normalizeGtin(gtin)).to.equal(gtin14);
        expect(isValidGtin(gtin)).to.equal(true);
      });
    }

    for (const [what, gtin] of [
      ["the check digit of a GTIN-8 is wrong", "96385075"],
      ["the check digit of a GTIN-12 is wrong", "036000291451"],
      ["the check digit of a GTIN-13 is wrong", "4006381333930"],
      ["the check digit of a GTIN-14 is wrong", "10614141000416"],
      ["two digits are swapped", "4006381333913"],
      ["it has 7 digits", "9638507"],
      ["it has 9 digits", "096385074"],
      ["it has 10 digits", "0096385074"],
      ["it has 11 digits", "00096385074"],
      ["it has 15 digits", "100000000000009"],
      ["it is empty", ""],
      ["it holds a letter", "400638133393A"],
      ["it holds a space", "400638 333931"],
      ["it holds a sign", "+4006381333931"],
      ["it ends with a newline", "4006381333931\n"],
      ["it holds full-width digits", "４００６３８１３３３９３１"],
      ["it is zero (whose check digit is right)", "00000000"],
      ["it is zero as a GTIN-14", "00000000000000"],
    ]) {
      it(`throws when ${what}`, function () {
        expect(gs1Refusal(() => normalizeGtin(gtin)).field).to.equal("gtin");
        expect(isValidGtin(gtin)).to.equal(false);
      });
    }
  });

  describe("assertValidLot", function () {
    it("accepts every character of GS1 character set 82", function () {
      expect(new Set(GS1_CHARSET_82).size).to.equal(82);
      for (const character of GS1_CHARSET_82) expect(() => assertValidLot(character), character).not.to.throw();
    });

    it("accepts 1 and 20 characters", function () {
      expect(() => assertValidLot("A")).not.to.throw();
      expect(() => assertValidLot("TY-2024/09.A_(1)%&'*")).not.to.throw();
    });

    for (const [what, lot] of [
      ["it is empty", ""],
      ["it has 21 characters", "A".repeat(21)],
      ["it holds a space", "TY 001"],
      ["it holds #", "TY#001"],
      ["it holds $", "TY$001"],
      ["it holds @", "TY@001"],
      ["it holds a non-ASCII letter", "芒果001"],
      ["it holds a Latin-1 letter", "caf\u00e9"],
      ["it holds a NUL", "TY\u0000"],
      ["it ends with a newline", "TY001\n"],
    ]) {
      it(`throws when ${what}`, function () {
        expect(gs1Refusal(() => assertValidLot(lot)).field).to.equal("lot");
      });
    }

    it("throws for every other ASCII character", function () {
      const others = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).filter(
        (character) => !GS1_CHARSET_82.includes(character),
      );
      expect(others).to.have.length(128 - 82);
      for (const character of others) {
        expect(
          gs1Refusal(() => assertValidLot(`A${character}`)).field,
          `0x${character.charCodeAt(0).toString(16)}`,
        ).to.equal("lot");
      }
    });
  });

  describe("batchIdFor", function () {
    it("packs the GTIN, the zero-padded lot and six zero bytes", function () {
      expect(batchIdFor("4006381333931", "AB")).to.equal(`0x03a4ceefadab4142${"0".repeat(48)}`);
      expect(batchIdFor("4006381333931", "AB")).to.equal(word(4006381333931n, hex("AB")));
    });

    it("gives a GTIN-13 and its GTIN-14 form the same id", function () {
      expect(batchIdFor(GTIN_13, "TY-001")).to.equal(batchIdFor(`0${GTIN_13}`, "TY-001"));
      expect(batchIdFor("96385074", "L1")).to.equal(batchIdFor("00000096385074", "L1"));
    });

    it("throws for an invalid GTIN with field gtin, and an invalid lot with field lot", function () {
      expect(gs1Refusal(() => batchIdFor("4006381333930", "AB")).field).to.equal("gtin");
      expect(gs1Refusal(() => batchIdFor(GTIN_13, "A B")).field).to.equal("lot");
    });
  });

  describe("parseBatchId", function () {
    for (const [gtin, lot] of [
      [GTIN_13, "TY-001"],
      ["96385074", "A"],
      ["10614141000415", "ABCDEFGHIJKLMNOPQRST"],
      ["036000291452", GS1_CHARSET_82.slice(0, 20)],
    ]) {
      it(`round-trips GTIN ${gtin} with lot ${lot}`, function () {
        expect(parseBatchId(batchIdFor(gtin, lot))).to.deep.equal({ gtin: normalizeGtin(gtin), lot });
      });
    }

    it("accepts upper-case hex", function () {
      const id = batchIdFor(GTIN_13, "ty-001");
      expect(parseBatchId(`0x${id.slice(2).toUpperCase()}`)).to.deep.equal({ gtin: `0${GTIN_13}`, lot: "ty-001" });
    });

    for (const [what, id] of [
      ["it holds a non-hex digit", `0x${"g".repeat(64)}`],
      ["it has no 0x prefix", batchIdFor(GTIN_13, "A").slice(2)],
      ["it is 31 bytes", batchIdFor(GTIN_13, "A").slice(0, -2)],
      ["it is 33 bytes", `${batchIdFor(GTIN_13, "A")}00`],
      ...MALFORMED_WORDS,
    ]) {
      it(`throws when ${what}`, function () {
        expect(gs1Refusal(() => parseBatchId(id)).field).to.equal("batchId");
      });
    }
  });

  describe("parseBatchId and the contract", function () {
    const validGtin = fc
      .bigInt({ min: 1n, max: 10n ** 13n - 1n })
      .map((body) => body.toString().padStart(13, "0"))
      .map((body) => `${body}${gtinCheckDigit(body)}`);
    const validLot = fc.string({ unit: fc.constantFrom(...GS1_CHARSET_82), minLength: 1, maxLength: 20 });
    const validId = fc.tuple(validGtin, validLot).map(([gtin, lot]) => batchIdFor(gtin, lot));
    const byteIndex = (min: number, max: number) => fc.integer({ min, max });
    // A valid id with one byte anywhere set to anything.
    const anyByteSet = fc
      .tuple(validId, byteIndex(0, 31), fc.integer({ min: 0, max: 255 }))
      .map(([id, index, value]) => withByte(id, index, value));
    // A valid id with one lot byte set to a byte beside a boundary of character set 82, or to
    // padding: bad characters, early padding, a character after the padding.
    const lotByteAtEdge = fc
      .tuple(validId, byteIndex(6, 25), fc.constantFrom(...EDGE_BYTES))
      .map(([id, index, value]) => withByte(id, index, value));
    // A valid id with a trailing byte set.
    const trailingByteSet = fc
      .tuple(validId, byteIndex(26, 31), fc.integer({ min: 1, max: 255 }))
      .map(([id, index, value]) => withByte(id, index, value));
    // A valid id whose GTIN is 1 to 9 more: a wrong check digit (or more digits).
    const checkDigitOff = fc
      .tuple(validId, fc.bigInt(1n, 9n))
      .map(([id, delta]) => withGtinField(id, gtinField(id) + delta));
    // A valid id whose GTIN field is zero, the largest GTIN, the largest 14-digit number, 15 digits or all ones.
    const gtinAtEdge = fc
      .tuple(validId, fc.constantFrom(0n, 99999999999997n, 99999999999999n, 100000000000009n, 2n ** 48n - 1n))
      .map(([id, gtin]) => withGtinField(id, gtin));
    const randomWord = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => hexlify(bytes));
    const nearValidId = fc.oneof(
      { arbitrary: validId, weight: 3 },
      { arbitrary: anyByteSet, weight: 4 },
      { arbitrary: lotByteAtEdge, weight: 4 },
      { arbitrary: trailingByteSet, weight: 1 },
      { arbitrary: checkDigitOff, weight: 2 },
      { arbitrary: gtinAtEdge, weight: 1 },
      { arbitrary: randomWord, weight: 1 },
    );

    it("agrees with parseBatchId on every byte value inside a lot, on malformed words and on edge ids", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const everyLotByte = Array.from({ length: 256 }, (_, b) =>
        word(GTIN_13_AS_NUMBER, `41${b.toString(16).padStart(2, "0")}42`),
      );
      const ids = [...everyLotByte, ...MALFORMED_WORDS.map(([, id]) => id), ...EDGE_IDS];
      const accepted: string[] = [];
      for (const id of ids) if (await expectHarvestParity(f, id)) accepted.push(id);
      // "A?B" for the 82 characters, and the edge ids.
      expect(accepted).to.have.length(82 + EDGE_IDS.length);
    });

    it("records a harvest exactly when parseBatchId accepts the id, else reverts with MalformedBatchId", async function () {
      const seen = { accepted: 0, refused: 0 };
      await fc.assert(
        // Up to five distinct ids per run, each harvested once on a fresh chain.
        fc.asyncProperty(fc.uniqueArray(nearValidId, { minLength: 1, maxLength: 5 }), async (ids) => {
          const f = await loadFixture(deployLedgerFixture);
          for (const id of ids) seen[(await expectHarvestParity(f, id)) ? "accepted" : "refused"]++;
        }),
        { numRuns: 40 },
      );
      // The generator must exercise both sides.
      expect(seen.accepted).to.be.greaterThan(0);
      expect(seen.refused).to.be.greaterThan(0);
    });
  });
});
