/**
 * Whether the gateway is ready to serve: the rules /readyz answers by, kept apart from where the
 * figures come from. Not ready — each with its reason — while it is stopping, while the chain
 * does not answer, while the embedded chain's process is down or cannot save its state, while the index is more than a
 * few blocks behind the chain, while the send queue does not move, and while the relayer's ticks
 * keep failing. /healthz, by contrast, says only that the process answers.
 */
import type { ChainAnswer } from "./chain-probe";

export type NotReadyCode =
  | "stopping"
  | "chain_unreachable"
  | "embedded_chain_down"
  | "chain_state_unsaved"
  | "index_behind"
  | "history_pruned"
  | "send_queue_stuck"
  | "relayer_failing";

export interface NotReady {
  code: NotReadyCode;
  message: string;
}

/** What the embedded chain's supervisor reports; absent on a remote chain. */
export interface ChainProcessState {
  up: boolean;
  restarts: number;
  lastExit?: string;
  /** The last block in its state file: what "confirmed" reaches up to. */
  savedBlock?: number;
  /** Why saving its state keeps failing. */
  saveProblem?: string;
  /** Its state file's size, and how long its last save took. */
  stateBytes?: number;
  lastSaveMs?: number;
}

export interface ReadinessFigures {
  now: number;
  stopping: boolean;
  chain: ChainAnswer;
  chainProcess?: ChainProcessState;
  /** The last block the index holds, and the last it should hold given the chain's head (chain/finality.ts). */
  indexedBlock: number;
  finalBlock: (head: number) => number;
  /** The blocks the index lacks and the chain no longer keeps the logs of (indexer.status().historyGap). */
  historyGap?: { from: number; keptFrom: number };
  /** The send queue: when its oldest unsettled event was accepted; absent on a read gateway or when nothing waits. */
  oldestUnsettledAt?: number;
  /** When the relayer last confirmed an event, or started. */
  relayerProgressAt?: number;
  /** When the relayer's current run of failed ticks began, and its last error. */
  relayerFailingSince?: number;
  relayerLastError?: string;
}

export interface ReadinessLimits {
  /** The index may lag the chain's final block (chain/finality.ts) by this many blocks. */
  indexLagBlocks: number;
  /** An event may wait this long while the queue confirms nothing. */
  queueStuckMs: number;
  /** The relayer's ticks may fail for this long. */
  relayerFailingMs: number;
}

export const READINESS_DEFAULTS: ReadinessLimits = { indexLagBlocks: 10, queueStuckMs: 120_000, relayerFailingMs: 10_000 };

export function judgeReadiness(figures: ReadinessFigures, limits: ReadinessLimits = READINESS_DEFAULTS): NotReady[] {
  const reasons: NotReady[] = [];
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  if (figures.stopping) reasons.push({ code: "stopping", message: "the gateway is stopping: it takes no writes and finishes the requests in flight" });
  if (figures.chainProcess && !figures.chainProcess.up) {
    const { restarts, lastExit } = figures.chainProcess;
    reasons.push({
      code: "embedded_chain_down",
      message: `the embedded chain (anvil) is not running${lastExit ? `: ${lastExit}` : ""}; restarted ${restarts} time(s) so far`,
    });
  }
  if (!figures.chain.reachable) {
    const since = figures.chain.answeredAt === undefined ? "since the gateway started" : `for ${seconds(figures.now - figures.chain.answeredAt)}`;
    reasons.push({ code: "chain_unreachable", message: `the chain has not answered ${since}: ${figures.chain.error ?? "no answer"}` });
  }
  const head = figures.chain.head;
  if (head !== undefined) {
    const target = figures.finalBlock(head);
    const behind = target - figures.indexedBlock;
    if (behind > limits.indexLagBlocks) {
      reasons.push({ code: "index_behind", message: `the index is ${behind} blocks behind the chain (block ${figures.indexedBlock} of ${target})` });
    }
    const unsaved = head - target;
    if (figures.chainProcess?.saveProblem && unsaved > 0) {
      reasons.push({
        code: "chain_state_unsaved",
        message: `the embedded chain's state cannot be saved (${figures.chainProcess.saveProblem}): its last ${unsaved} block(s) are not final, and nothing new is confirmed`,
      });
    }
  } else if (figures.chain.reachable) {
    reasons.push({ code: "index_behind", message: "the chain's head is not known yet" });
  }
  if (figures.oldestUnsettledAt !== undefined) {
    const waited = figures.now - figures.oldestUnsettledAt;
    const idle = figures.now - (figures.relayerProgressAt ?? figures.oldestUnsettledAt);
    if (waited > limits.queueStuckMs && idle > limits.queueStuckMs) {
      reasons.push({
        code: "send_queue_stuck",
        message: `the oldest event in the send queue has waited ${seconds(waited)}, and no event was confirmed for ${seconds(idle)}`,
      });
    }
  }
  if (figures.relayerFailingSince !== undefined && figures.now - figures.relayerFailingSince > limits.relayerFailingMs) {
    reasons.push({
      code: "relayer_failing",
      message: `every relayer tick has failed for ${seconds(figures.now - figures.relayerFailingSince)}: ${figures.relayerLastError ?? "unknown error"}`,
    });
  }
  if (figures.historyGap) {
    const { from, keptFrom } = figures.historyGap;
    reasons.push({
      code: "history_pruned",
      message:
        `the index stopped at block ${from - 1}: the chain keeps the logs of blocks ${keptFrom} on only, so blocks ${from}..${keptFrom - 1} ` +
        "cannot be indexed from it; restore a backup whose chain snapshot goes with its database",
    });
  }
  return reasons;
}

/** When the embedded chain's state file is large enough to be warned of (ready all the same). */
export interface CapacityLimits {
  /** A state file this large is warned of: its saves, and so "confirmed", take seconds. */
  warnBytes: number;
  /** Past this size a restart nears 30 s and a save holds "confirmed" back for tens of seconds: move to a consortium chain. */
  limitBytes: number;
}

/** Measured with `npm run bench:chain` (README: The embedded chain's size). */
export const CAPACITY_DEFAULTS: CapacityLimits = { warnBytes: 192 * 1_048_576, limitBytes: 384 * 1_048_576 };

/**
 * What an operator should act on before it stops the gateway: the embedded chain's state file
 * nearing the size the embedded chain is made for (README: The embedded chain's size).
 */
export function capacityWarnings(chainProcess: ChainProcessState | undefined, limits: CapacityLimits): string[] {
  const bytes = chainProcess?.stateBytes;
  if (bytes === undefined || bytes < limits.warnBytes) return [];
  const mb = (n: number) => `${Math.round(n / 1_048_576)} MB`;
  const save = chainProcess?.lastSaveMs === undefined ? "" : `; its last save took ${(chainProcess.lastSaveMs / 1000).toFixed(1)} s`;
  const where =
    bytes >= limits.limitBytes
      ? `past the ${mb(limits.limitBytes)} the embedded chain is made for`
      : `${Math.round((100 * bytes) / limits.limitBytes)}% of the ${mb(limits.limitBytes)} the embedded chain is made for`;
  return [
    `the embedded chain's state file is ${mb(bytes)}, ${where}${save}: plan the move to a consortium chain's nodes (RPC_URL, README: The embedded chain's size)`,
  ];
}
