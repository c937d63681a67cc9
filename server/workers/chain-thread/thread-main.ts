/**
 * The chain thread (see thread.ts): the relayer and the indexer on their own thread, with their
 * own SQLite connection and their own connection to the chain, so that relaying (ABI encoding,
 * signing transactions, receipts) and indexing (log decoding, head hashing, index writes) never
 * hold the gateway's HTTP thread. They are the same workers as in the gateway's thread: all their
 * state is in SQLite, so the outbox's promise and their crash rules are unchanged.
 */
import { parentPort, workerData } from "node:worker_threads";
import { JsonRpcProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import { IpcProvider } from "../../chain/ipc-provider";
import { loadLedgerArtifact } from "../../chain/ledger-artifact";
import { keptLogsFrom } from "../../chain/finality";
import { ledgerDomain } from "../../chain/typed-data";
import { CustodialKeys } from "../../keys/custodial-keys";
import { acceptedRuleBreak, createEventResigner } from "../../services/event-resigner";
import { openDatabase } from "../../store/database";
import { LedgerEntryReads } from "../../store/ledger-entry-reads";
import { OrgRepository } from "../../store/org-repository";
import { createIndexer } from "../indexer";
import { createRelayer } from "../relayer/relayer";
import type { ChainThreadSetup, FromChainThread, ToChainThread } from "./messages";
import { NO_CAP } from "./messages";
import { writeLockFirst } from "./write-lock-first";

/**
 * Logs per index chunk: a chunk's transaction (head hashing included) holds SQLite's write lock,
 * which the gateway's thread waits for when it writes meanwhile; short chunks keep that wait short.
 */
const LOGS_PER_CHUNK = 500;
/** How often the thread reports its workers' state, when it changed. */
const STATUS_EVERY_MS = 100;

const setup = workerData as ChainThreadSetup;
const port = parentPort!;
const send = (message: FromChainThread) => port.postMessage(message);

const db = writeLockFirst(openDatabase(setup.databaseFile));
const provider: JsonRpcApiProvider =
  "ipcPath" in setup.chain
    ? new IpcProvider(setup.chain.ipcPath, undefined, { cacheTimeout: -1, pollingInterval: 250 })
    : new JsonRpcProvider(setup.chain.rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 250 });
const finalCap = new Int32Array(setup.finalCap);
/** The gateway's finality, as its thread last wrote it: min(head - confirmations, what the chain saved). */
const finalBlock = (head: number) => {
  const cap = Atomics.load(finalCap, 0);
  return Math.min(head - setup.confirmations, cap === NO_CAP ? Number.POSITIVE_INFINITY : cap);
};

const admins = new Set(setup.deployment.admins.map((a) => a.toLowerCase()));
const isAdmin = (address: string) => admins.has(address.toLowerCase());
const domain = ledgerDomain(setup.deployment.chainId, setup.deployment.address);
const entryReads = new LedgerEntryReads(db);

const indexer = createIndexer({
  db,
  provider,
  address: setup.deployment.address,
  deployBlock: setup.deployment.deployBlock,
  confirmations: setup.confirmations,
  finalBlock,
  historyFrom: setup.keepBlocks === undefined ? undefined : keptLogsFrom(setup.keepBlocks),
  logsPerChunk: LOGS_PER_CHUNK,
  log: (message) => send({ type: "log", component: "indexer", message }),
});
const relayer = createRelayer({
  db,
  wallet: new Wallet(setup.relayerKey, provider),
  ledger: { address: setup.deployment.address, abi: loadLedgerArtifact().abi },
  fromBlock: setup.deployment.deployBlock,
  batchSize: setup.relayer.batchSize,
  replaceAfterMs: setup.relayer.replaceAfterMs,
  finalBlock,
  // As the gateway's thread would: custodial events re-signed, unless the ledger's rules now refuse them.
  resign: createEventResigner(new OrgRepository(db), new CustodialKeys(setup.masterSecret, setup.scryptN), domain, acceptedRuleBreak(entryReads, isAdmin)),
  log: (message) => send({ type: "log", component: "relayer", message }),
});

let lastStatus = "";
const reportStatus = () => {
  const { chainHead, historyGap } = indexer.status();
  const message: FromChainThread = { type: "status", indexer: { chainHead, ...(historyGap && { historyGap }) }, relayer: relayer.health() };
  const text = JSON.stringify(message);
  if (text === lastStatus) return;
  lastStatus = text;
  send(message);
};
const statusTimer = setInterval(reportStatus, STATUS_EVERY_MS);

const answer = (id: number, work: Promise<unknown>) =>
  work.then(
    (result) => {
      reportStatus();
      send({ type: "done", id, result: result as never });
    },
    (error: unknown) => {
      reportStatus();
      send({ type: "failed", id, error: error instanceof Error ? error.message : String(error) });
    },
  );

let stopping: Promise<void> | undefined;

port.on("message", (message: ToChainThread) => {
  if (message.type === "start") {
    indexer.start(message.indexerIntervalMs);
    if (message.relay) relayer.start(message.relayerIntervalMs);
  } else if (message.type === "tick") {
    void answer(message.id, message.worker === "indexer" ? indexer.tick() : relayer.tick());
  } else if (message.type === "stop") {
    // The ticks in flight end, then the thread lets go of the database and the chain, and ends.
    stopping ??= Promise.all([relayer.stop(), indexer.stop()]).then(() => {
      clearInterval(statusTimer);
      reportStatus();
      db.close();
      provider.destroy();
    });
    // Ended outright, so that no handle left open keeps the thread (and the gateway's stop) waiting.
    void answer(message.id, stopping).then(() => setImmediate(() => process.exit(0)));
  }
});
