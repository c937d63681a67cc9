/**
 * bench:chain's signing threads: each signs harvest events, one `recordBatch` transaction's worth
 * (a chunk) at a time, as a producer would (EIP-712 digest by eventDigest/eventStructHash, then
 * ethers' SigningKey.sign, noble underneath), and answers the chunk's recordBatch calldata,
 * encoded with the compiled ledger's ABI. The main thread only signs the transaction and sends
 * it, so that signing overlaps with mining.
 *
 * Every event creates a batch of its own (GTIN BENCH_GTIN, lot `CS-<n>`): the worst case for the
 * contract's storage. Loaded in the main thread too, for the helpers below; it works as a thread
 * only when started by `startSigners`.
 */
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Interface, SigningKey, ZeroAddress, keccak256, toBeHex } from "ethers";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { eventDigest, eventStructHash, ledgerDomain } from "../../server/chain/typed-data";
import { EventKind } from "../../server/domain/event-kinds";
import { batchIdFor } from "../../server/domain/gs1";
import { ZERO_HASH } from "../../server/domain/hashes";
import type { LedgerEvent } from "../../server/domain/ledger-types";

export const BENCH_GTIN = "06901234567892";

/** What every signing thread needs to know. */
export interface SignerSetup {
  chainId: number;
  ledger: string;
  /** The producer's private key. */
  signerKey: string;
  /** Events per chunk (per recordBatch transaction). */
  batchSize: number;
}

interface SignJob {
  chunk: number;
}

type SignReply = { chunk: number; calldata: string } | { chunk: number; failed: string };

/** The batch that event number `n` (from 0) creates. */
export function harvestBatchId(n: number): string {
  return batchIdFor(BENCH_GTIN, `CS-${n}`);
}

/** Event number `n`: a harvest creating its own batch, with a detail hash of its own. */
export function harvestEvent(n: number): LedgerEvent {
  return {
    batchId: harvestBatchId(n),
    kind: EventKind.Harvest,
    prevHead: ZERO_HASH,
    dataHash: keccak256(toBeHex(n, 32)),
    inputs: [],
    counterparty: ZeroAddress,
  };
}

/** recordBatch calldata of chunk `chunk`: events chunk·batchSize … (chunk+1)·batchSize − 1, each signed by the producer. */
export function signChunk(setup: SignerSetup, chunk: number, key = new SigningKey(setup.signerKey), ledger = new Interface(loadLedgerArtifact().abi)): string {
  const domain = ledgerDomain(setup.chainId, setup.ledger);
  const structs = [];
  for (let n = chunk * setup.batchSize; n < (chunk + 1) * setup.batchSize; n++) {
    const event = harvestEvent(n);
    const { r, s, v } = key.sign(eventDigest(domain, event, eventStructHash(event)));
    structs.push({
      batchId: event.batchId,
      prevHead: event.prevHead,
      dataHash: event.dataHash,
      counterparty: event.counterparty,
      kind: event.kind,
      inputCount: 0,
      r,
      s,
      v,
    });
  }
  return ledger.encodeFunctionData("recordBatch", [structs, [], [], []]);
}

/** Two (or `count`) signing threads; `sign(chunk)` hands chunks to them in turn. */
export function startSigners(setup: SignerSetup, count: number) {
  const pending = new Map<number, { resolve(calldata: string): void; reject(error: Error): void }>();
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(bootstrap(), { eval: true, workerData: { role: "chain-size-signer", setup } });
    worker.on("message", (reply: SignReply) => {
      const job = pending.get(reply.chunk);
      if (!job) return;
      pending.delete(reply.chunk);
      if ("calldata" in reply) job.resolve(reply.calldata);
      else job.reject(new Error(`signing chunk ${reply.chunk} failed: ${reply.failed}`));
    });
    const fail = (error: Error) => {
      for (const [chunk, job] of pending) {
        pending.delete(chunk);
        job.reject(error);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a signing thread stopped (exit code ${code})`)));
    return worker;
  });
  return {
    sign(chunk: number): Promise<string> {
      return new Promise((resolve, reject) => {
        pending.set(chunk, { resolve, reject });
        const job: SignJob = { chunk };
        workers[chunk % workers.length].postMessage(job);
      });
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

/** The thread's first lines: this file, through ts-node when the bench runs from TypeScript. */
function bootstrap(): string {
  const file = path.join(__dirname, `chain-size-signer${path.extname(__filename)}`);
  if (!file.endsWith(".ts")) return `require(${JSON.stringify(file)});`;
  const tsNode = require.resolve("ts-node");
  return `if (!require.extensions[".ts"]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true });
require(${JSON.stringify(file)});`;
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === "chain-size-signer" && parentPort) {
  const port = parentPort;
  const setup = (workerData as { setup: SignerSetup }).setup;
  const key = new SigningKey(setup.signerKey);
  const ledger = new Interface(loadLedgerArtifact().abi);
  port.on("message", (job: SignJob) => {
    let reply: SignReply;
    try {
      reply = { chunk: job.chunk, calldata: signChunk(setup, job.chunk, key, ledger) };
    } catch (error) {
      reply = { chunk: job.chunk, failed: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}
