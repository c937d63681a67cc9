import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, TypedDataEncoder, Wallet, keccak256, recoverAddress } from "ethers";
import { EVENT_TYPES, eventDigest, eventStructHash, ledgerDomain, nextHead } from "../../server/chain/typed-data";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { signDigest } from "../../server/chain/sign-digest";

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const ledgerEvent: fc.Arbitrary<LedgerEvent> = fc.record({
  batchId: bytes32,
  kind: fc.integer({ min: 0, max: 5 }),
  prevHead: bytes32,
  dataHash: bytes32,
  inputs: fc.array(bytes32, { maxLength: 4 }),
});

describe("typed data (server/chain/typed-data.ts)", function () {
  const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

  it("hashes events exactly as ethers' EIP-712 encoder does", function () {
    fc.assert(
      fc.property(ledgerEvent, (event) => {
        expect(eventStructHash(event)).to.equal(TypedDataEncoder.hashStruct("Event", EVENT_TYPES, event));
        expect(eventDigest(domain, event)).to.equal(TypedDataEncoder.hash(domain, EVENT_TYPES, event));
      }),
      { numRuns: 200 },
    );
  });

  it("chains heads as keccak256(abi.encode(structHash, signer)) with the flags in the low byte", function () {
    fc.assert(
      fc.property(ledgerEvent, fc.uint8Array({ minLength: 20, maxLength: 20 }), (event, raw) => {
        const signer = `0x${Buffer.from(raw).toString("hex")}`;
        const chained = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [eventStructHash(event), signer])));
        const flags = (BigInt(event.prevHead) & 0xffn) | (event.kind === 5 ? 1n : 0n);
        expect(BigInt(nextHead(event, signer))).to.equal((chained & ~0xffn) | flags);
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

  it("refuses a value that is not a bytes32", function () {
    expect(() => eventStructHash({ batchId: "0x12", kind: 0, prevHead: "0x" + "0".repeat(64), dataHash: "0x" + "0".repeat(64), inputs: [] })).to.throw(/bytes32/);
  });
});
