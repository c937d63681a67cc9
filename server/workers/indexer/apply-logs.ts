/**
 * Turns the ledger's logs into index rows, in chain order, inside the caller's transaction.
 * Every write is keyed by the log (or by an id the chain makes unique), so applying the same
 * logs twice changes nothing: a replayed chunk is harmless.
 */
import { ZeroAddress } from "ethers";
import { chainStep } from "../../chain/typed-data";
import { isRecalledHead, ZERO_HASH } from "../../domain/hashes";
import { EventKind, SubjectKind } from "../../domain/event-kinds";
import { parseBatchId } from "../../domain/gs1";
import type { IndexRepository } from "../../store/index-repository";
import type { CertificationAttestedLog, EventRecordedLog, LedgerLog } from "../../chain/ledger-events";

/**
 * The logs contradict the index: an event on a batch the index does not know, a revocation of
 * an unknown certification. The chain never emits these, so the index is missing history (a
 * deploy block set too late) or the logs are incomplete; the chunk is not written.
 */
export class IndexInconsistencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexInconsistencyError";
  }
}

/** `timestamps` holds the block time of every block that `logs` come from. */
export function applyLogs(repo: IndexRepository, logs: readonly LedgerLog[], timestamps: ReadonlyMap<number, number>): void {
  // The contract emits an event's BatchDerived logs (one per input, in signed order) and a
  // shipment's BatchShipped just before its EventRecorded, in the same transaction: hold the
  // inputs and the consignee until that log comes.
  const pendingInputs = new Map<string, string[]>();
  const pendingConsignee = new Map<string, string>();
  const inputKey = (log: { txHash: string; batchId: string }) => `${log.txHash}:${log.batchId}`;

  for (const log of logs) {
    switch (log.type) {
      case "BatchDerived": {
        const key = inputKey(log);
        pendingInputs.set(key, [...(pendingInputs.get(key) ?? []), log.inputBatchId]);
        repo.insertLineage({
          batchId: log.batchId,
          inputBatchId: log.inputBatchId,
          blockNumber: log.blockNumber,
          logIndex: log.logIndex,
        });
        break;
      }
      case "BatchShipped":
        pendingConsignee.set(inputKey(log), log.consignee);
        break;
      case "EventRecorded": {
        const inputs = pendingInputs.get(inputKey(log)) ?? [];
        const counterparty = pendingConsignee.get(inputKey(log)) ?? ZeroAddress;
        pendingInputs.delete(inputKey(log));
        pendingConsignee.delete(inputKey(log));
        applyEvent(repo, log, inputs, counterparty, timestampOf(timestamps, log.blockNumber));
        break;
      }
      case "CertificationAttested":
        repo.insertCertification(certificationRow(log));
        break;
      case "CertificationRevoked":
        if (!repo.revokeCertification(log.certificationId, log.revokedBy, log.reason, log.blockNumber)) {
          throw new IndexInconsistencyError(`block ${log.blockNumber} revokes unknown certification ${log.certificationId}`);
        }
        break;
      case "EventRejected":
        break; // not index state: the relayer reads it from its receipts
    }
  }
  if (pendingInputs.size > 0 || pendingConsignee.size > 0) {
    const orphans = [...pendingInputs.keys(), ...pendingConsignee.keys()];
    throw new IndexInconsistencyError(`BatchDerived or BatchShipped without its EventRecorded: ${orphans.join(", ")}`);
  }
}

function applyEvent(repo: IndexRepository, log: EventRecordedLog, inputs: string[], counterparty: string, timestamp: number): void {
  if (repo.hasEvent(log.txHash, log.logIndex)) return; // a replay: the batch already moved past it

  const state = repo.batchState(log.batchId);
  const prevHead = state?.head ?? ZERO_HASH;
  const event = { batchId: log.batchId, kind: log.kind, prevHead, dataHash: log.dataHash, inputs, counterparty };
  const { head, link, custody } = chainStep(event, log.signer, state?.custody);
  const position = state?.eventCount ?? 0;

  if (state) {
    if (log.kind === EventKind.Harvest) {
      throw new IndexInconsistencyError(`harvest of existing batch ${log.batchId} in block ${log.blockNumber}`);
    }
    repo.updateBatchHead(log.batchId, { head, link, custody }, position + 1, isRecalledHead(head));
  } else {
    // Harvest creates a batch, and so does processing on an id that does not exist yet.
    if (log.kind !== EventKind.Harvest && log.kind !== EventKind.Processing) {
      throw new IndexInconsistencyError(`event on unknown batch ${log.batchId} in block ${log.blockNumber}`);
    }
    const { gtin, lot } = parseBatchId(log.batchId);
    repo.insertBatch({
      batchId: log.batchId,
      gtin,
      lot,
      creator: log.signer,
      createdBy: log.kind,
      createdBlock: log.blockNumber,
      createdAt: timestamp,
      head,
      link,
      custody,
      recalled: isRecalledHead(head),
      eventCount: 1,
    });
  }
  repo.insertEvent({
    txHash: log.txHash,
    logIndex: log.logIndex,
    batchId: log.batchId,
    position,
    kind: log.kind,
    signer: log.signer,
    dataHash: log.dataHash,
    prevHead,
    head,
    inputs,
    counterparty,
    link,
    custody,
    blockNumber: log.blockNumber,
    timestamp,
  });
}

function certificationRow(log: CertificationAttestedLog) {
  const productLine = log.subjectKind === SubjectKind.ProductLine;
  return {
    id: log.certificationId,
    certifier: log.certifier,
    subjectKind: log.subjectKind,
    subject: log.subject,
    scheme: log.scheme,
    certificateNo: log.certificateNo,
    producer: productLine ? log.producer : null,
    gtin: productLine ? log.gtin.toString().padStart(14, "0") : null,
    // uint64 on chain; a time beyond 2^53 s (far past any real validity) would lose precision.
    validFrom: Number(log.validFrom),
    validUntil: Number(log.validUntil),
    dataHash: log.dataHash,
    blockNumber: log.blockNumber,
    txHash: log.txHash,
    logIndex: log.logIndex,
  };
}

function timestampOf(timestamps: ReadonlyMap<number, number>, blockNumber: number): number {
  const timestamp = timestamps.get(blockNumber);
  if (timestamp === undefined) throw new Error(`no timestamp read for block ${blockNumber}`);
  return timestamp;
}
