/** What the gateway's thread and its chain thread (thread.ts) say to each other. */
import type { IndexerStatus, TickResult } from "../indexer";
import type { RelayerHealth, TickReport } from "../relayer/relayer";

/** What the chain thread is made with (its workerData). */
export interface ChainThreadSetup {
  /** The gateway's SQLite file: the thread opens its own connection to it. */
  databaseFile: string;
  /** How the thread reaches the chain: the embedded anvil's socket, or a JSON-RPC URL. */
  chain: { ipcPath: string } | { rpcUrl: string };
  relayerKey: string;
  deployment: { address: string; deployBlock: number; chainId: number; admins: string[] };
  confirmations: number;
  /** The embedded chain keeps the logs of its last `keepBlocks` blocks only (chain/finality.ts keptLogsFrom). */
  keepBlocks?: number;
  /** Int32 slot 0: the highest block the gateway's finality allows whatever the head (see thread.ts). */
  finalCap: SharedArrayBuffer;
  relayer: { batchSize: number; replaceAfterMs: number };
  masterSecret: string;
  scryptN?: number;
}

export type ToChainThread =
  | { type: "start"; relay: boolean; relayerIntervalMs: number; indexerIntervalMs: number }
  | { type: "tick"; id: number; worker: "indexer" | "relayer" }
  | { type: "stop"; id: number };

export type FromChainThread =
  | { type: "log"; component: "indexer" | "relayer"; message: string }
  | { type: "status"; indexer: Pick<IndexerStatus, "chainHead" | "historyGap">; relayer: RelayerHealth }
  | { type: "done"; id: number; result?: TickResult | TickReport }
  | { type: "failed"; id: number; error: string };

/** The cap's slot holds an Int32: "no cap" (a remote chain's finality) is stored as its largest value. */
export const NO_CAP = 2 ** 31 - 1;
