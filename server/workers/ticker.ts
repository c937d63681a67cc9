/**
 * The tick loop of every background worker (relayer, certification sender, indexer, import
 * runner). Each used to run a setTimeout loop of its own; the rules are written here once:
 * ticks never overlap, a failed tick of the loop is reported and tried again after the
 * interval, stop() schedules nothing more and waits for the tick in flight, and a start() while
 * the tick of an earlier, stopped loop still runs does not leave two loops. The worker keeps
 * only its tick body. The timer is injectable, so tests drive the loop without waiting.
 */

/** setTimeout and clearTimeout, or a test's stand-in for them. */
export interface Timer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers, looked up at each call. */
export const globalTimer: Timer = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TickerOptions<T> {
  /** One tick's work. */
  run: () => Promise<T>;
  /** Told of a failed tick of the loop (a tick() caller gets its error instead); the loop goes on. */
  onError: (error: unknown) => void;
  /**
   * When start()'s first tick runs: "now", within start() (the default); "next-turn", on the
   * timer's next turn (0 ms); "after-interval", one interval later.
   */
  first?: "now" | "next-turn" | "after-interval";
  /**
   * A tick() while a tick runs: "join" returns the tick in flight (the default); "queue" runs a
   * new tick once it ends, so the caller's tick starts after the call.
   */
  whileRunning?: "join" | "queue";
  /** The wait after a tick that returned `result`; the interval when absent, and after a failed tick. */
  pause?: (result: T, intervalMs: number) => number;
  /** The global setTimeout and clearTimeout by default. */
  timer?: Timer;
}

export interface Ticker<T> {
  /** One tick, never beside another (see whileRunning). */
  tick(): Promise<T>;
  /** Ticks every intervalMs after the previous tick ends, from `first` on; does nothing when started. */
  start(intervalMs: number): void;
  /** Schedules no more ticks; resolves once the tick in flight has ended (its error is not rethrown). */
  stop(): Promise<void>;
  /** Started and idle: the next tick runs on the timer's next turn instead of after the wait. */
  wake(): void;
}

export function createTicker<T>(options: TickerOptions<T>): Ticker<T> {
  const { run, onError, first = "now", whileRunning = "join", pause, timer = globalTimer } = options;
  /** The tick in flight ("join" only). */
  let inFlight: Promise<T> | undefined;
  /** The last tick begun, settled either way: what stop() waits for and "queue" runs after. */
  let settled: Promise<unknown> = Promise.resolve();
  /** Ticks begun or queued and not yet ended. */
  let pending = 0;
  let started = false;
  let intervalMs = 0;
  let handle: unknown;
  // Each start() begins a new generation; a loop of an earlier one (stopped, then started again
  // while its tick was in flight) sees it and ends instead of running beside the new loop.
  let generation = 0;

  const track = (work: Promise<T>): Promise<T> => {
    pending++;
    const tracked = work.finally(() => {
      pending--;
      inFlight = undefined;
    });
    settled = tracked.catch(() => undefined);
    return tracked;
  };

  const tick = (): Promise<T> => {
    if (whileRunning === "queue") return track(settled.then(() => run()));
    inFlight ??= track(run());
    return inFlight;
  };

  const clear = () => {
    if (handle !== undefined) timer.clearTimeout(handle);
    handle = undefined;
  };

  const schedule = (ms: number) => {
    clear();
    const mine = generation;
    handle = timer.setTimeout(() => void loop(mine), ms);
  };

  const loop = async (mine: number): Promise<void> => {
    handle = undefined;
    let wait = intervalMs;
    try {
      const result = await tick();
      if (pause) wait = pause(result, intervalMs);
    } catch (error) {
      onError(error);
    }
    if (started && generation === mine) schedule(wait);
  };

  return {
    tick,
    start(ms) {
      if (started) return;
      started = true;
      intervalMs = ms;
      generation++;
      if (first === "now") void loop(generation);
      else schedule(first === "next-turn" ? 0 : ms);
    },
    async stop() {
      started = false;
      clear();
      await settled;
    },
    wake() {
      if (started && pending === 0) schedule(0);
    },
  };
}
