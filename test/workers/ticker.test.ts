/**
 * The tick loop shared by the workers, driven by a hand-moved timer: nothing here waits for
 * real time, only for pending promise callbacks to run.
 */
import { expect } from "chai";
import { createTicker, type TickerOptions, type Timer } from "../../server/workers/ticker";

/** A timer that fires only when told to. */
class HandTimer implements Timer {
  private nextId = 1;
  private readonly waiting = new Map<number, { callback: () => void; ms: number }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.waiting.set(id, { callback, ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.waiting.delete(handle as number);
  }

  /** The waits scheduled and not yet fired or cleared, in ms. */
  get scheduled(): number[] {
    return [...this.waiting.values()].map((w) => w.ms);
  }

  /** Fires every scheduled callback, as if its time had come. */
  fire(): void {
    const due = [...this.waiting.values()];
    this.waiting.clear();
    for (const { callback } of due) callback();
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every callback already due (promise reactions) run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A ticker whose ticks are promises the test settles, one per run, in `runs`. */
function setup(options: Partial<TickerOptions<number>> = {}) {
  const timer = new HandTimer();
  const runs: Deferred<number>[] = [];
  const errors: unknown[] = [];
  const ticker = createTicker<number>({
    run: () => {
      const run = deferred<number>();
      runs.push(run);
      return run.promise;
    },
    onError: (error) => errors.push(error),
    timer,
    ...options,
  });
  return { ticker, timer, runs, errors };
}

describe("ticker", function () {
  this.timeout(2_000); // a tick left unsettled hangs a test: fail it soon
  it("serialises ticks: a tick() while one runs returns the one in flight", async function () {
    const { ticker, runs } = setup();
    const first = ticker.tick();
    const second = ticker.tick();
    expect(second).to.equal(first);
    expect(runs).to.have.length(1);
    runs[0].resolve(7);
    expect(await second).to.equal(7);
    const third = ticker.tick(); // none in flight now: a new one
    expect(third).to.not.equal(first);
    expect(runs).to.have.length(2);
    runs[1].resolve(8);
    expect(await third).to.equal(8);
  });

  it("queues instead when asked: a tick() while one runs runs a new one once it ends", async function () {
    const { ticker, runs } = setup({ whileRunning: "queue" });
    const first = ticker.tick();
    const second = ticker.tick();
    await flush();
    expect(runs).to.have.length(1);
    runs[0].reject(new Error("the first fails"));
    expect(await first.then(() => "resolved", (error: Error) => error.message)).to.equal("the first fails");
    await flush();
    expect(runs).to.have.length(2); // the queued one runs all the same
    runs[1].resolve(2);
    expect(await second).to.equal(2);
  });

  it("stop() waits for the tick in flight, swallows its error and schedules no tick after it", async function () {
    const { ticker, timer, runs, errors } = setup();
    ticker.start(100);
    expect(runs).to.have.length(1); // the first tick at once
    let stopped = false;
    const stopping = ticker.stop().then(() => (stopped = true));
    await flush();
    expect(stopped, "stopped before the tick ended").to.equal(false);
    runs[0].reject(new Error("late failure"));
    await stopping;
    expect(stopped).to.equal(true);
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(["late failure"]);
    expect(timer.scheduled).to.deep.equal([]);
    timer.fire();
    await flush();
    expect(runs).to.have.length(1);
  });

  it("reports a failing tick and goes on after the interval", async function () {
    const { ticker, timer, runs, errors } = setup();
    ticker.start(100);
    runs[0].reject(new Error("connection refused"));
    await flush();
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(["connection refused"]);
    expect(timer.scheduled).to.deep.equal([100]);
    timer.fire();
    expect(runs).to.have.length(2);
    runs[1].resolve(1);
    await flush();
    expect(errors).to.have.length(1);
    expect(timer.scheduled).to.deep.equal([100]);
    await ticker.stop();
  });

  it("start() twice runs one loop", async function () {
    const { ticker, timer, runs } = setup();
    ticker.start(100);
    ticker.start(50);
    expect(runs).to.have.length(1);
    runs[0].resolve(1);
    await flush();
    expect(timer.scheduled).to.deep.equal([100]);
    timer.fire();
    expect(runs).to.have.length(2);
    runs[1].resolve(2);
    await ticker.stop();
  });

  it("starts again after stop(), also while the old loop's tick still runs, leaving one loop", async function () {
    const { ticker, timer, runs } = setup({ first: "next-turn", whileRunning: "queue" });
    ticker.start(100);
    timer.fire();
    await flush();
    expect(runs).to.have.length(1);
    const stopping = ticker.stop();
    ticker.start(100); // while the first tick runs
    expect(timer.scheduled).to.deep.equal([0]);
    runs[0].resolve(1);
    await stopping;
    await flush();
    // The old loop ended with its tick: the new loop's first tick is still due at once.
    expect(timer.scheduled).to.deep.equal([0]);
    timer.fire();
    await flush();
    expect(runs).to.have.length(2);
    runs[1].resolve(2);
    await flush();
    expect(timer.scheduled).to.deep.equal([100]);

    await ticker.stop();
    ticker.start(100);
    expect(timer.scheduled).to.deep.equal([0]);
    timer.fire();
    await flush();
    expect(runs).to.have.length(3);
    runs[2].resolve(3);
    await ticker.stop();
  });

  it("starts with a tick at once, on the next turn or after an interval, as asked", async function () {
    const now = setup();
    now.ticker.start(100);
    expect(now.runs).to.have.length(1);

    const later = setup({ first: "after-interval" });
    later.ticker.start(100);
    await flush();
    expect(later.runs).to.have.length(0);
    expect(later.timer.scheduled).to.deep.equal([100]);
    await later.ticker.stop();
    expect(later.timer.scheduled).to.deep.equal([]);

    const soon = setup({ first: "next-turn" });
    soon.ticker.start(100);
    expect(soon.runs).to.have.length(0);
    expect(soon.timer.scheduled).to.deep.equal([0]);
    soon.timer.fire();
    await flush();
    expect(soon.runs).to.have.length(1);

    now.runs[0].resolve(0);
    soon.runs[0].resolve(0);
    await Promise.all([now.ticker.stop(), soon.ticker.stop()]);
  });

  it("waits what pause() says after a tick, and wake() cuts an idle wait short", async function () {
    const { ticker, timer, runs } = setup({ pause: (busy, idleMs) => (busy ? 0 : idleMs) });
    ticker.start(1_000);
    runs[0].resolve(1); // busy: on at once
    await flush();
    expect(timer.scheduled).to.deep.equal([0]);
    timer.fire();
    ticker.wake(); // a tick is in flight: nothing to cut short
    expect(timer.scheduled).to.deep.equal([]);
    runs[1].resolve(0); // idle
    await flush();
    expect(timer.scheduled).to.deep.equal([1_000]);
    ticker.wake();
    expect(timer.scheduled).to.deep.equal([0]);
    await ticker.stop();
    ticker.wake(); // stopped: stays stopped
    expect(timer.scheduled).to.deep.equal([]);
  });
});
