/**
 * Verifies a batch against the chain itself, not the index: reads the batch's EventRecorded and
 * BatchDerived logs from the node, recomputes each event's detail hash from the detail the
 * gateway serves and the head chain from the logs, and compares the result with the contract's
 * headOf. Says ok, or which event differs and how.
 */
import { Contract, EventLog, keccak256, toUtf8Bytes, type Provider } from "ethers";
import { nextHead } from "../chain/typed-data";
import { ZERO_HASH } from "../domain/hashes";
import { eventKindName } from "../domain/event-kinds";

const ABI = [
  "event EventRecorded(bytes32 indexed batchId, address indexed signer, uint8 kind, bytes32 dataHash)",
  "event BatchDerived(bytes32 indexed batchId, bytes32 indexed inputBatchId)",
  "function headOf(bytes32 batchId) view returns (bytes32)",
];

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
}

/** The canonical detail the gateway holds for an event, found by its batch and data hash. */
export type DetailLookup = (batchId: string, dataHash: string) => string | undefined;

export class BatchVerifier {
  private readonly ledger: Contract;

  constructor(
    provider: Provider,
    address: string,
    private readonly deployBlock: number,
    private readonly detailOf: DetailLookup,
  ) {
    this.ledger = new Contract(address, ABI, provider);
  }

  async verify(batchId: string): Promise<Verification> {
    const [recorded, derived, chainHead] = await Promise.all([
      this.ledger.queryFilter(this.ledger.filters.EventRecorded(batchId), this.deployBlock),
      this.ledger.queryFilter(this.ledger.filters.BatchDerived(batchId), this.deployBlock),
      this.ledger.headOf(batchId) as Promise<string>,
    ]);
    // Each event's inputs are the BatchDerived logs just before its EventRecorded log.
    const logs = [...recorded, ...derived]
      .filter((log): log is EventLog => log instanceof EventLog)
      .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    let head = ZERO_HASH;
    let inputs: string[] = [];
    const problems: string[] = [];
    const events: VerifiedEvent[] = [];
    for (const log of logs) {
      if (log.fragment.name === "BatchDerived") {
        inputs.push(log.args.inputBatchId);
        continue;
      }
      const { signer, kind, dataHash } = log.args as unknown as { signer: string; kind: bigint; dataHash: string };
      head = nextHead({ batchId, kind: Number(kind), prevHead: head, dataHash, inputs }, signer);
      inputs = [];
      const position = events.length;
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
        type: eventKindName(Number(kind)),
        signer,
        transactionHash: log.transactionHash,
        blockNumber: log.blockNumber,
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
    return { batchId, ok: problems.length === 0, chainHead, recomputedHead: head, events, problems };
  }
}
