/**
 * The ledger's calls, encoded in one place for every sender: the relayer's recordBatch (and
 * record), the certification sender's attest and revoke, the admin's role grants, and the few
 * reads they make on the way (headOf, hasRole, certification). Each takes domain values and
 * gives calldata (or turns a call's result back into a value). The function signatures are
 * written out, like the events in ledger-events.ts, so that the gateway needs no build
 * artifacts; a test checks them against the compiled ABI.
 */
import { Interface } from "ethers";
import type { RoleName } from "../domain/event-kinds";
import type { LedgerEvent } from "../domain/ledger-types";
import { roleId } from "./roles";
import type { Attestation, SignedEventStruct } from "./typed-data";
import type { Custody } from "../domain/custody";

const SIGNED_EVENT =
  "(bytes32 batchId, bytes32 prevHead, bytes32 dataHash, address counterparty, uint8 kind, uint8 inputCount, bytes32 r, bytes32 s, uint8 v)";
const CUSTODY_PROOF = "(bytes32 link, uint8 holders, uint8 pending)";
const ATTESTATION =
  "(bytes32 scheme, string certificateNo, uint8 subjectKind, bytes32 batchId, address producer, uint64 gtin, " +
  "uint64 validFrom, uint64 validUntil, bytes32 dataHash)";
const CERTIFICATION = "(address certifier, uint64 validFrom, uint64 validUntil, uint8 subjectKind, bool revoked, bytes32 subject)";

export const LEDGER_CALLS_ABI = [
  `function record(${SIGNED_EVENT} signedEvent, bytes32[] inputs, ${CUSTODY_PROOF}[] proofs, address[] custodians) returns (bytes32 head)`,
  `function recordBatch(${SIGNED_EVENT}[] signedEvents, bytes32[] inputs, ${CUSTODY_PROOF}[] proofs, address[] custodians) returns (uint256 recorded)`,
  `function attest(${ATTESTATION} attestation, bytes32 r, bytes32 s, uint8 v) returns (bytes32 certificationId)`,
  "function revoke(bytes32 certificationId, string reason, bytes32 r, bytes32 s, uint8 v)",
  "function grantRole(bytes32 role, address account)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function headOf(bytes32 batchId) view returns (bytes32)",
  "function ledgerVersion() pure returns (uint256)",
  `function certification(bytes32 certificationId) view returns (${CERTIFICATION})`,
];

const ledgerCalls = new Interface(LEDGER_CALLS_ABI);

/** An ECDSA signature split the way the contract takes it. */
export interface SignatureParts {
  r: string;
  s: string;
  v: number;
}

/**
 * What a batch's head commits to, proven by an event that extends the batch or names it as an
 * input: the link of its latest event and its custody (see chain/custody.ts).
 */
export interface CustodyProof {
  link: string;
  custody: Custody;
}

/** An event with its signer's signature: what the relayer sends (an outbox row is one). */
export type SignedLedgerEvent = LedgerEvent & SignatureParts;

/** A signed event with the custody proofs it needs: its own batch's (unless it creates it), then each input's. */
export type ProvenEvent = SignedLedgerEvent & { proofs: CustodyProof[] };

/** A certification as the contract stores it (all zero when no certification has the id). */
export interface StoredCertification {
  certifier: string;
  validFrom: bigint;
  validUntil: bigint;
  subjectKind: number;
  revoked: boolean;
  subject: string;
}

/** The event as the contract's `SignedEvent` struct; its inputs travel beside it. */
export function signedEventStruct(event: SignedLedgerEvent): SignedEventStruct {
  return {
    batchId: event.batchId,
    prevHead: event.prevHead,
    dataHash: event.dataHash,
    counterparty: event.counterparty,
    kind: event.kind,
    inputCount: event.inputs.length,
    r: event.r,
    s: event.s,
    v: event.v,
  };
}

/** How many custody proofs an event takes: its own batch's unless it creates it (prevHead zero), then one per input. */
export function proofCount(event: LedgerEvent): number {
  return (/^0x0+$/.test(event.prevHead) ? 0 : 1) + event.inputs.length;
}

function proofStructs(proofs: readonly CustodyProof[]) {
  return {
    structs: proofs.map((p) => ({ link: p.link, holders: p.custody.holders.length, pending: p.custody.pending.length })),
    custodians: proofs.flatMap((p) => [...p.custody.holders, ...p.custody.pending]),
  };
}

/** record(signedEvent, inputs, proofs, custodians): one event, reverting with the reason it is refused. */
export function encodeRecord(event: ProvenEvent): string {
  const { structs, custodians } = proofStructs(event.proofs);
  return ledgerCalls.encodeFunctionData("record", [signedEventStruct(event), event.inputs, structs, custodians]);
}

/** recordBatch: the events in order, their inputs, proofs and custodians concatenated in the same order. */
export function encodeRecordBatch(events: readonly ProvenEvent[]): string {
  const { structs, custodians } = proofStructs(events.flatMap((e) => e.proofs));
  return ledgerCalls.encodeFunctionData("recordBatch", [events.map(signedEventStruct), events.flatMap((e) => e.inputs), structs, custodians]);
}

export function encodeAttest(attestation: Attestation, signature: SignatureParts): string {
  return ledgerCalls.encodeFunctionData("attest", [attestation, signature.r, signature.s, signature.v]);
}

export function encodeRevoke(certificationId: string, reason: string, signature: SignatureParts): string {
  return ledgerCalls.encodeFunctionData("revoke", [certificationId, reason, signature.r, signature.s, signature.v]);
}

export function encodeGrantRole(role: RoleName | "admin", account: string): string {
  return ledgerCalls.encodeFunctionData("grantRole", [roleId(role), account]);
}

export function encodeHasRole(role: RoleName | "admin", account: string): string {
  return ledgerCalls.encodeFunctionData("hasRole", [roleId(role), account]);
}

export function decodeHasRole(result: string): boolean {
  return Boolean(ledgerCalls.decodeFunctionResult("hasRole", result)[0]);
}

export function encodeLedgerVersion(): string {
  return ledgerCalls.encodeFunctionData("ledgerVersion", []);
}

export function decodeLedgerVersion(result: string): bigint {
  return BigInt(ledgerCalls.decodeFunctionResult("ledgerVersion", result)[0]);
}

export function encodeHeadOf(batchId: string): string {
  return ledgerCalls.encodeFunctionData("headOf", [batchId]);
}

/** The batch's head (lower-case hex), zero when the batch does not exist. */
export function decodeHeadOf(result: string): string {
  return String(ledgerCalls.decodeFunctionResult("headOf", result)[0]);
}

export function encodeCertification(certificationId: string): string {
  return ledgerCalls.encodeFunctionData("certification", [certificationId]);
}

export function decodeCertification(result: string): StoredCertification {
  const [c] = ledgerCalls.decodeFunctionResult("certification", result);
  return {
    certifier: String(c.certifier),
    validFrom: BigInt(c.validFrom),
    validUntil: BigInt(c.validUntil),
    subjectKind: Number(c.subjectKind),
    revoked: Boolean(c.revoked),
    subject: String(c.subject),
  };
}
