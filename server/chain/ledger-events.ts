/**
 * The ledger's logs, decoded in one place for every reader: the relayer (its receipts, and a
 * batch's history when it must find an event on chain), the indexer (every log of the ledger)
 * and the batch verifier (one batch's history). The event signatures of IProvenanceLedger and
 * ICertificationRegistry are written out here so that the gateway needs no build artifacts; a
 * test checks them against the compiled ABI.
 *
 * Hashes, ids and transaction hashes come out lower-case and addresses checksummed, so that
 * comparisons and lookups never depend on the case a node or a caller used.
 */
import { getAddress, Interface, ZeroAddress } from "ethers";
import { ZERO_HASH } from "../domain/hashes";
import type { LedgerEvent } from "../domain/ledger-types";
import { chainStep } from "./typed-data";
import type { Custody } from "../domain/custody";

export const LEDGER_EVENTS_ABI = [
  "event EventRecorded(bytes32 indexed batchId, address indexed signer, uint8 kind, bytes32 dataHash)",
  "event BatchDerived(bytes32 indexed batchId, bytes32 indexed inputBatchId)",
  "event BatchShipped(bytes32 indexed batchId, address indexed consignee)",
  "event EventRejected(uint256 indexed index, bytes32 indexed batchId, bytes reason)",
  "event CertificationAttested(bytes32 indexed certificationId, address indexed certifier, bytes32 indexed subject, " +
    "uint8 subjectKind, bytes32 scheme, string certificateNo, address producer, uint64 gtin, uint64 validFrom, " +
    "uint64 validUntil, bytes32 dataHash)",
  "event CertificationRevoked(bytes32 indexed certificationId, address indexed revokedBy, string reason)",
];

const ledgerEvents = new Interface(LEDGER_EVENTS_ABI);

export const EVENT_RECORDED_TOPIC = ledgerEvents.getEvent("EventRecorded")!.topicHash;
export const BATCH_DERIVED_TOPIC = ledgerEvents.getEvent("BatchDerived")!.topicHash;
export const BATCH_SHIPPED_TOPIC = ledgerEvents.getEvent("BatchShipped")!.topicHash;

/**
 * A log as a node hands it out: ethers' Log is one, and so is a raw eth_getLogs or receipt
 * entry once its numbers are parsed.
 */
export interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  /** The log's index in its block. */
  index: number;
}

/** Where a log sits on chain; (txHash, logIndex) is its identity. */
export interface LogPosition {
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

export interface BatchDerivedLog extends LogPosition {
  type: "BatchDerived";
  batchId: string;
  inputBatchId: string;
}

/** A shipment named its consignee; emitted just before the shipment's EventRecorded. */
export interface BatchShippedLog extends LogPosition {
  type: "BatchShipped";
  batchId: string;
  consignee: string;
}

export interface EventRecordedLog extends LogPosition {
  type: "EventRecorded";
  batchId: string;
  signer: string;
  kind: number;
  dataHash: string;
}

/** recordBatch skipped the event at `index` of its call, for the custom error in `reason`. */
export interface EventRejectedLog extends LogPosition {
  type: "EventRejected";
  index: number;
  batchId: string;
  /** The error `record` would have reverted with, as revert data (hex). */
  reason: string;
}

export interface CertificationAttestedLog extends LogPosition {
  type: "CertificationAttested";
  certificationId: string;
  certifier: string;
  subject: string;
  subjectKind: number;
  scheme: string;
  certificateNo: string;
  producer: string;
  gtin: bigint;
  validFrom: bigint;
  validUntil: bigint;
  dataHash: string;
}

export interface CertificationRevokedLog extends LogPosition {
  type: "CertificationRevoked";
  certificationId: string;
  revokedBy: string;
  reason: string;
}

export type LedgerLog =
  | BatchDerivedLog
  | BatchShippedLog
  | EventRecordedLog
  | EventRejectedLog
  | CertificationAttestedLog
  | CertificationRevokedLog;

/** The log as a record, or undefined for a log this ABI does not know. */
export function decodeLedgerLog(log: RawLog): LedgerLog | undefined {
  const parsed = ledgerEvents.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return undefined;
  const position: LogPosition = {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: hex(log.transactionHash),
    logIndex: log.index,
  };
  const a = parsed.args;
  switch (parsed.name) {
    case "BatchDerived":
      return { ...position, type: "BatchDerived", batchId: hex(a.batchId), inputBatchId: hex(a.inputBatchId) };
    case "BatchShipped":
      return { ...position, type: "BatchShipped", batchId: hex(a.batchId), consignee: getAddress(a.consignee) };
    case "EventRecorded":
      return {
        ...position,
        type: "EventRecorded",
        batchId: hex(a.batchId),
        signer: getAddress(a.signer),
        kind: Number(a.kind),
        dataHash: hex(a.dataHash),
      };
    case "EventRejected":
      return { ...position, type: "EventRejected", index: Number(a.index), batchId: hex(a.batchId), reason: hex(a.reason) };
    case "CertificationAttested":
      return {
        ...position,
        type: "CertificationAttested",
        certificationId: hex(a.certificationId),
        certifier: getAddress(a.certifier),
        subject: hex(a.subject),
        subjectKind: Number(a.subjectKind),
        scheme: hex(a.scheme),
        certificateNo: a.certificateNo,
        producer: getAddress(a.producer),
        gtin: a.gtin,
        validFrom: a.validFrom,
        validUntil: a.validUntil,
        dataHash: hex(a.dataHash),
      };
    case "CertificationRevoked":
      return {
        ...position,
        type: "CertificationRevoked",
        certificationId: hex(a.certificationId),
        revokedBy: getAddress(a.revokedBy),
        reason: a.reason,
      };
    default:
      return undefined;
  }
}

/**
 * The ledger's logs among `logs` (a receipt's, a getLogs answer), decoded, in the order given.
 * With `address`, logs that another contract emitted are left out, whatever their topics.
 */
export function decodeLedgerLogs(logs: readonly RawLog[], address?: string): LedgerLog[] {
  const from = address?.toLowerCase();
  const decoded: LedgerLog[] = [];
  for (const log of logs) {
    if (from !== undefined && log.address.toLowerCase() !== from) continue;
    const record = decodeLedgerLog(log);
    if (record) decoded.push(record);
  }
  return decoded;
}

/** The eth_getLogs filter for a batch's history: its EventRecorded, BatchDerived and BatchShipped logs from `fromBlock` on. */
export function batchHistoryFilter(
  address: string,
  batchId: string,
  fromBlock: number,
): { address: string; topics: [string[], string]; fromBlock: number } {
  return { address, topics: [[EVENT_RECORDED_TOPIC, BATCH_DERIVED_TOPIC, BATCH_SHIPPED_TOPIC], batchId.toLowerCase()], fromBlock };
}

/**
 * One event of a batch as the chain recorded it: the event its signer signed (its prevHead,
 * inputs and counterparty recovered from the logs before it), the signer, its link, the custody
 * and head it gave the batch, and where its EventRecorded log sits.
 */
export interface ChainedEvent extends LogPosition {
  event: LedgerEvent;
  signer: string;
  link: string;
  custody: Custody;
  head: string;
}

/**
 * The batch's events, oldest first, replayed from its EventRecorded, BatchDerived and
 * BatchShipped logs (in any order; logs of other batches and other kinds are skipped) with the
 * contract's head formula. The contract emits an event's BatchDerived logs (one per input, in
 * signed order) and a shipment's BatchShipped log just before its EventRecorded, so each event's
 * inputs and counterparty are the logs since the previous event.
 */
export function replayBatch(batchId: string, logs: readonly LedgerLog[]): ChainedEvent[] {
  const id = batchId.toLowerCase();
  const history = logs
    .filter(
      (log): log is EventRecordedLog | BatchDerivedLog | BatchShippedLog =>
        (log.type === "EventRecorded" || log.type === "BatchDerived" || log.type === "BatchShipped") && log.batchId === id,
    )
    .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);

  const chained: ChainedEvent[] = [];
  let head = ZERO_HASH;
  let custody: Custody | undefined;
  let inputs: string[] = [];
  let counterparty = ZeroAddress;
  for (const log of history) {
    if (log.type === "BatchDerived") {
      inputs.push(log.inputBatchId);
      continue;
    }
    if (log.type === "BatchShipped") {
      counterparty = log.consignee;
      continue;
    }
    const event: LedgerEvent = { batchId: id, kind: log.kind, prevHead: head, dataHash: log.dataHash, inputs, counterparty };
    const step = chainStep(event, log.signer, custody);
    ({ head, custody } = step);
    const { blockNumber, blockHash, txHash, logIndex } = log;
    chained.push({ blockNumber, blockHash, txHash, logIndex, event, signer: log.signer, link: step.link, custody: step.custody, head });
    inputs = [];
    counterparty = ZeroAddress;
  }
  return chained;
}

/** Hashes and ids are kept lower-case so that lookups never depend on the caller's case. */
const hex = (value: string): string => value.toLowerCase();

/*
 * Roles. The ledger's roles are OpenZeppelin AccessControl's, read back by the indexer so that
 * the gateway learns at once when the admin revokes an organisation on chain. Decoded apart
 * from the ledger's own events above: a role change is not a ledger event, and readers of the
 * ledger's history need not see it.
 */
export const ROLE_EVENTS_ABI = [
  "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
  "event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)",
];

const roleEvents = new Interface(ROLE_EVENTS_ABI);

/** A role granted to or revoked from `account` by `sender`; `role` is the role id (keccak256 of e.g. "PRODUCER_ROLE", zero for admin). */
export interface RoleLog extends LogPosition {
  type: "RoleGranted" | "RoleRevoked";
  role: string;
  account: string;
  sender: string;
}

/** The role change in `log`, or undefined for any other log. */
export function decodeRoleLog(log: RawLog): RoleLog | undefined {
  let parsed;
  try {
    parsed = roleEvents.parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return undefined; // a log with a role event's topic but not its shape
  }
  if (!parsed || (parsed.name !== "RoleGranted" && parsed.name !== "RoleRevoked")) return undefined;
  return {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: hex(log.transactionHash),
    logIndex: log.index,
    type: parsed.name,
    role: hex(parsed.args.role),
    account: getAddress(parsed.args.account),
    sender: getAddress(parsed.args.sender),
  };
}

/** The role changes among `logs`, in the order given; with `address`, only those the ledger emitted. */
export function decodeRoleLogs(logs: readonly RawLog[], address?: string): RoleLog[] {
  const from = address?.toLowerCase();
  const decoded: RoleLog[] = [];
  for (const log of logs) {
    if (from !== undefined && log.address.toLowerCase() !== from) continue;
    const record = decodeRoleLog(log);
    if (record) decoded.push(record);
  }
  return decoded;
}
