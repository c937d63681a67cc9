/**
 * The ledger's logs as the indexer reads them: the event signatures of IProvenanceLedger and
 * ICertificationRegistry (written out here so the gateway needs no build artifacts; a test checks
 * them against the compiled ABI) and their decoding into plain records.
 */
import { getAddress, Interface, type Log } from "ethers";

export const LEDGER_EVENTS_ABI = [
  "event EventRecorded(bytes32 indexed batchId, address indexed signer, uint8 kind, bytes32 dataHash)",
  "event BatchDerived(bytes32 indexed batchId, bytes32 indexed inputBatchId)",
  "event EventRejected(uint256 indexed index, bytes32 indexed batchId, bytes reason)",
  "event CertificationAttested(bytes32 indexed certificationId, address indexed certifier, bytes32 indexed subject, " +
    "uint8 subjectKind, bytes32 scheme, string certificateNo, address producer, uint64 gtin, uint64 validFrom, " +
    "uint64 validUntil, bytes32 dataHash)",
  "event CertificationRevoked(bytes32 indexed certificationId, address indexed revokedBy, string reason)",
];

const ledgerInterface = new Interface(LEDGER_EVENTS_ABI);

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

export interface EventRecordedLog extends LogPosition {
  type: "EventRecorded";
  batchId: string;
  signer: string;
  kind: number;
  dataHash: string;
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

export type LedgerLog = BatchDerivedLog | EventRecordedLog | CertificationAttestedLog | CertificationRevokedLog;

/**
 * The log as a record, or undefined for logs that are not index state: EventRejected (the
 * relayer reads it from its receipts) and anything this ABI does not know.
 */
export function decodeLedgerLog(log: Log): LedgerLog | undefined {
  const parsed = ledgerInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return undefined;
  const position: LogPosition = {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: log.transactionHash.toLowerCase(),
    logIndex: log.index,
  };
  const a = parsed.args;
  switch (parsed.name) {
    case "BatchDerived":
      return { ...position, type: "BatchDerived", batchId: hex(a.batchId), inputBatchId: hex(a.inputBatchId) };
    case "EventRecorded":
      return {
        ...position,
        type: "EventRecorded",
        batchId: hex(a.batchId),
        signer: getAddress(a.signer),
        kind: Number(a.kind),
        dataHash: hex(a.dataHash),
      };
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

/** Hashes and ids are stored lower-case so that lookups never depend on the caller's case. */
const hex = (value: string): string => value.toLowerCase();
