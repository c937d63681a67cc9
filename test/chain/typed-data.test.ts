import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, TypedDataEncoder, Wallet, ZeroAddress, keccak256, recoverAddress } from "ethers";
import { chainStep, EVENT_TYPES, eventDigest, eventLink, eventStructHash, headOf, ledgerDomain, nextHead } from "../../server/chain/typed-data";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { custodyAfter, custodyHash, custodyOfCreator, type Custody } from "../../server/domain/custody";
import { signDigest } from "../../server/chain/sign-digest";

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const abi = AbiCoder.defaultAbiCoder();
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
/** An address in any case (the hashes must not depend on it), or the zero address. */
const address = fc.oneof(
  fc.constant(ZeroAddress),
  fc
    .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean())
    .map(([b, upper]) => `0x${Buffer.from(b).toString("hex")[upper ? "toUpperCase" : "toLowerCase"]()}`),
);
const ledgerEvent: fc.Arbitrary<LedgerEvent> = fc.record({
  batchId: bytes32,
  kind: fc.integer({ min: 0, max: 6 }),
  prevHead: bytes32,
  dataHash: bytes32,
  inputs: fc.array(bytes32, { maxLength: 4 }),
  counterparty: address,
});
const lowerAddress = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const custody: fc.Arbitrary<Custody> = fc.record({
  holders: fc.array(lowerAddress, { minLength: 1, maxLength: 5 }),
  pending: fc.array(lowerAddress, { maxLength: 5 }),
});

describe("typed data (server/chain/typed-data.ts)", function () {
  const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

  it("hashes events, their consignee included, exactly as ethers' EIP-712 encoder does", function () {
    fc.assert(
      fc.property(ledgerEvent, (event) => {
        const encoded = { ...event, counterparty: event.counterparty.toLowerCase() };
        expect(eventStructHash(event)).to.equal(TypedDataEncoder.hashStruct("Event", EVENT_TYPES, encoded));
        expect(eventDigest(domain, event)).to.equal(TypedDataEncoder.hash(domain, EVENT_TYPES, encoded));
      }),
      { numRuns: 200 },
    );
  });

  it("commits custody as keccak256(abi.encode(holders.length, pending.length, holders..., pending...))", function () {
    fc.assert(
      fc.property(custody, (c) => {
        const types = ["uint256", "uint256", ...[...c.holders, ...c.pending].map(() => "address")];
        expect(custodyHash(c)).to.equal(keccak256(abi.encode(types, [c.holders.length, c.pending.length, ...c.holders, ...c.pending])));
      }),
      { numRuns: 200 },
    );
  });

  it("chains heads: keccak256(abi.encode(link, custodyHash)), flags in the low byte; link = keccak256(abi.encode(structHash, signer))", function () {
    fc.assert(
      fc.property(ledgerEvent, lowerAddress, custody, (event, signer, after) => {
        const link = keccak256(abi.encode(["bytes32", "address"], [eventStructHash(event), signer]));
        expect(eventLink(event, signer)).to.equal(link);
        const chained = BigInt(keccak256(abi.encode(["bytes32", "bytes32"], [link, custodyHash(after)])));
        const flags = (BigInt(event.prevHead) & 0xffn) | (event.kind === 5 ? 1n : 0n);
        const head = `0x${((chained & ~0xffn) | flags).toString(16).padStart(64, "0")}`;
        expect(nextHead(event, signer, after)).to.equal(head);
        expect(headOf(link, after, event.prevHead, event.kind)).to.equal(head);
      }),
      { numRuns: 200 },
    );
  });

  it("takes one step of a batch's chain: the link, the custody after the event and the head they give", function () {
    fc.assert(
      fc.property(ledgerEvent, lowerAddress, fc.option(custody, { nil: undefined }), (event, signer, before) => {
        const step = chainStep(event, signer, before);
        expect(step.link).to.equal(eventLink(event, signer));
        expect(step.custody).to.deep.equal(custodyAfter(before, event.kind, signer, event.counterparty));
        expect(step.head).to.equal(nextHead(event, signer, step.custody));
        if (!before) expect(step.custody).to.deep.equal(custodyOfCreator(signer));
      }),
      { numRuns: 200 },
    );
  });

  it("signs digests that recover to the key's address, always with low s", function () {
    const wallet = Wallet.createRandom();
    fc.assert(
      fc.property(bytes32, (digest) => {
        const signature = signDigest(wallet.privateKey, digest);
        expect(recoverAddress(digest, signature.serialized)).to.equal(wallet.address);
        expect(recoverAddress(digest, { r: signature.r, s: signature.s, v: signature.v })).to.equal(wallet.address);
        expect(BigInt(signature.s) <= SECP256K1_HALF_N).to.equal(true);
        expect(signature.serialized).to.equal(wallet.signingKey.sign(digest).serialized);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a value that is not a bytes32, or a counterparty that is not an address", function () {
    const zero = "0x" + "0".repeat(64);
    const event = { batchId: zero, kind: 2, prevHead: zero, dataHash: zero, inputs: [], counterparty: ZeroAddress };
    expect(() => eventStructHash({ ...event, batchId: "0x12" })).to.throw(/bytes32/);
    expect(() => eventStructHash({ ...event, counterparty: "0x12" })).to.throw(/address/);
  });
});
