/**
 * Verifies a batch against the chain itself, not the index: reads the batch's EventRecorded and
 * BatchDerived logs from the node, recomputes each event's detail hash from the detail the
 * gateway serves and the head chain from the logs, and compares the result with the contract's
 * headOf. Says ok, or which event differs and how. It also checks the ledger's rules (custody,
 * quantities, recalls, origins, corrections) over what the chain's logs hold, with the details
 * it can find, and lists what breaks them.
 */
import { keccak256, toUtf8Bytes, type Provider } from "ethers";
import { decodeHeadOf, encodeHeadOf } from "../chain/ledger-calls";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../chain/ledger-events";
import { eventKindName } from "../domain/event-kinds";
import { ZERO_HASH } from "../domain/hashes";
import { BatchLedger } from "./ledger-rules/batch-ledger";
import { ChainEntries, type DetailSource } from "./ledger-rules/chain-entries";

export interface VerifiedEvent {
  position: number;
  type: string;
  signer: string;
  transactionHash: string;
  blockNumber: number;
  dataHash: string;
  /** keccak256 of the detail the gateway serves; null when it holds none. */
  detailHash: string | null;
  ok: boolean;
  problem?: string;
}

export interface Verification {
  batchId: string;
  ok: boolean;
  chainHead: string;
  recomputedHead: string;
  events: VerifiedEvent[];
  problems: string[];
  /** The ledger's rules over the chain's own logs: ok when no event breaks one. */
  rules: { ok: boolean; findings: Array<{ dataHash: string; code: string; message: string; zh: string }> };
}

/** The canonical detail the gateway holds for an event, found by its batch and data hash. */
export type DetailLookup = (batchId: string, dataHash: string) => string | undefined;

export class BatchVerifier {
  constructor(
    private readonly provider: Provider,
    private readonly address: string,
    private readonly deployBlock: number,
    private readonly detailOf: DetailLookup,
    private readonly detailByHash: DetailSource,
    private readonly isAdmin: (address: string) => boolean,
  ) {}

  async verify(batchId: string): Promise<Verification> {
    const [logs, chainHead] = await Promise.all([
      this.provider.getLogs(batchHistoryFilter(this.address, batchId, this.deployBlock)),
      this.provider.call({ to: this.address, data: encodeHeadOf(batchId) }).then(decodeHeadOf),
    ]);
    const chained = replayBatch(batchId, decodeLedgerLogs(logs, this.address));
    const head = chained.length ? chained[chained.length - 1].head : ZERO_HASH;
    const problems: string[] = [];
    const events: VerifiedEvent[] = [];
    for (const [position, { event, signer, txHash, blockNumber }] of chained.entries()) {
      const { dataHash } = event;
      const detail = this.detailOf(batchId, dataHash);
      const detailHash = detail === undefined ? null : keccak256(toUtf8Bytes(detail));
      const problem =
        detailHash === null
          ? "the gateway holds no detail for this event"
          : detailHash !== dataHash
            ? `the detail hashes to ${detailHash}, the chain recorded ${dataHash}`
            : undefined;
      if (problem) problems.push(`event ${position}: ${problem}`);
      events.push({
        position,
        type: eventKindName(event.kind),
        signer,
        transactionHash: txHash,
        blockNumber,
        dataHash,
        detailHash,
        ok: !problem,
        ...(problem ? { problem } : {}),
      });
    }
    if (head !== chainHead) {
      problems.push(`the head recomputed from the chain's logs is ${head}, the contract's is ${chainHead}`);
    }
    if (events.length === 0) problems.push("the chain holds no events for this batch");
    const entries = await new ChainEntries(this.provider, this.address, this.deployBlock, this.detailByHash).entries(batchId);
    const findings = BatchLedger.fold(entries, { isAdmin: this.isAdmin, now: Date.now() }).findings.map((f) => ({
      dataHash: f.ref,
      code: f.code,
      message: f.en,
      zh: f.zh,
    }));
    return { batchId, ok: problems.length === 0, chainHead, recomputedHead: head, events, problems, rules: { ok: findings.length === 0, findings } };
  }
}
