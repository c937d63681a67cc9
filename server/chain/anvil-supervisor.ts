/**
 * Keeps the embedded anvil running for as long as the gateway runs: when anvil exits on its own
 * (killed, crashed, out of memory), it is started again from its last checked snapshot, after
 * 0.5 s, then 1 s, 2 s … up to 30 s while restarts keep failing (the wait starts over once anvil
 * has run for a minute). Every exit and restart is logged, and `status()` says whether anvil is
 * up, how often it was restarted and why it last stopped, for /readyz. A restarted anvil may lack
 * the blocks after its last snapshot; the relayer notices and sends those events again, and the
 * indexer rewinds.
 *
 * A restart never brings up an empty chain: without a saved state the ledger would be gone, so
 * anvil stays down and says why.
 */
import { startEmbeddedAnvil, type EmbeddedAnvilHandle, type EmbeddedAnvilOptions, type SavedState } from "./anvil";

/** The embedded chain's process, as /readyz reports it. */
export interface ChainProcessStatus {
  up: boolean;
  /** How many times anvil was started again since the gateway started. */
  restarts: number;
  /** Why anvil last stopped or failed to start again, with when. */
  lastExit?: string;
  /** The last block in the chain's state file: what "confirmed" reaches up to. */
  savedBlock: number;
  /** Why saving the chain's state keeps failing (nothing new is confirmed meanwhile). */
  saveProblem?: string;
  /** The state file's size, and how long its last save took. */
  stateBytes?: number;
  lastSaveMs?: number;
}

/** The embedded chain's saved state outlives each anvil: while one is down, its last save stands. */
export interface SupervisedAnvil extends SavedState {
  ipcPath: string;
  isolated: boolean;
  loopbackUrl?: string;
  /** The anvil running now (undefined while it is down). */
  current(): EmbeddedAnvilHandle | undefined;
  snapshot(): Promise<boolean>;
  /** Stops anvil (a last snapshot first) and restarts no more. */
  stop(): Promise<void>;
  status(): ChainProcessStatus;
}

export interface SupervisorOptions {
  anvil: EmbeddedAnvilOptions;
  /** How the supervisor reports exits and restarts. */
  log: { warn(message: string): void; info(message: string): void; error(message: string): void };
  /** The first wait before a restart, doubled after each failed one, up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Once anvil has run this long, the next restart waits firstDelayMs again. */
  steadyAfterMs?: number;
  /** Starts anvil; startEmbeddedAnvil unless a test gives another. */
  start?: (options: EmbeddedAnvilOptions) => Promise<EmbeddedAnvilHandle>;
}

/** Starts the embedded anvil (a failure here fails the gateway's start) and watches it. */
export async function superviseEmbeddedAnvil(options: SupervisorOptions): Promise<SupervisedAnvil> {
  const { log, firstDelayMs = 500, maxDelayMs = 30_000, steadyAfterMs = 60_000 } = options;
  const start = options.start ?? startEmbeddedAnvil;
  let running: EmbeddedAnvilHandle | undefined = await start(options.anvil);
  const first = running;
  let lastSavedBlock = first.savedBlock();
  let lastFigures = first.saveFigures();
  let upSince = Date.now();
  let restarts = 0;
  let lastExit: string | undefined;
  let delayMs = firstDelayMs;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  let stopped = false;

  const watch = (handle: EmbeddedAnvilHandle) => {
    handle.process.once("exit", (code, signal) => {
      if (stopped || running !== handle) return;
      lastSavedBlock = handle.savedBlock();
      lastFigures = handle.saveFigures();
      running = undefined;
      if (Date.now() - upSince >= steadyAfterMs) delayMs = firstDelayMs;
      lastExit = `anvil (pid ${handle.process.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`} at ${new Date().toISOString()}`;
      log.warn(`the embedded chain stopped: ${lastExit}; starting it again from its last snapshot in ${delayMs} ms`);
      scheduleRestart();
    });
  };

  const scheduleRestart = () => {
    const wait = delayMs;
    delayMs = Math.min(delayMs * 2, maxDelayMs);
    timer = setTimeout(() => {
      timer = undefined;
      restarting = restart().finally(() => {
        restarting = undefined;
      });
    }, wait);
  };

  const restart = async () => {
    if (stopped) return;
    try {
      const handle = await start({ ...options.anvil, requireState: true });
      if (stopped) {
        await handle.stop();
        return;
      }
      running = handle;
      upSince = Date.now();
      restarts++;
      watch(handle);
      log.warn(`the embedded chain is running again (anvil pid ${handle.process.pid}, restart ${restarts})`);
    } catch (error) {
      lastExit = `anvil could not be started again at ${new Date().toISOString()}: ${(error as Error).message}`;
      log.error(`${lastExit}; trying again in ${delayMs} ms`);
      scheduleRestart();
    }
  };

  watch(first);
  return {
    ipcPath: first.ipcPath,
    isolated: first.isolated,
    loopbackUrl: first.loopbackUrl,
    current: () => running,
    snapshot: () => running?.snapshot() ?? Promise.resolve(false),
    savedBlock: () => running?.savedBlock() ?? lastSavedBlock,
    saveProblem: () => running?.saveProblem(),
    saveFigures: () => running?.saveFigures() ?? lastFigures,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await restarting;
      await running?.stop();
      running = undefined;
    },
    status: () => {
      const saveProblem = running?.saveProblem();
      const figures = running?.saveFigures() ?? lastFigures;
      return {
        up: running !== undefined,
        restarts,
        ...(lastExit && { lastExit }),
        savedBlock: running?.savedBlock() ?? lastSavedBlock,
        ...(saveProblem && { saveProblem }),
        ...(figures && { stateBytes: figures.bytes }),
        ...(figures?.ms !== undefined && { lastSaveMs: figures.ms }),
      };
    },
  };
}
