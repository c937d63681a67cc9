/**
 * Whether the chain answers: eth_blockNumber with a short deadline, asked at most once a second
 * however often /readyz and /metrics are read. The relayer and the indexer log their failures,
 * but nothing else of the gateway says that the chain went silent; this does, for readiness.
 */

export interface ChainAnswer {
  /** The last probe got an answer, or the chain answered within `silenceMs` before it. */
  reachable: boolean;
  /** The chain's latest block at its last answer. */
  head?: number;
  /** When the chain last answered (ms since the epoch). */
  answeredAt?: number;
  /** Why the last probe got no answer. */
  error?: string;
}

export interface ChainProbeOptions {
  /** One eth_blockNumber call: the block number. */
  blockNumber: () => Promise<number>;
  /** How long a probe waits for its answer (2 s). */
  timeoutMs?: number;
  /** How long an answer is reused (1 s). */
  cacheMs?: number;
  /** The chain counts as unreachable once it has not answered for this long (3 s). */
  silenceMs?: number;
  now?: () => number;
}

export interface ChainProbe {
  /** The chain's state, probed now unless a probe of the last `cacheMs` is at hand. */
  check(): Promise<ChainAnswer>;
  /** The last probe's result, without probing. */
  last(): ChainAnswer | undefined;
}

export function createChainProbe(options: ChainProbeOptions): ChainProbe {
  const { timeoutMs = 2_000, cacheMs = 1_000, silenceMs = 3_000, now = Date.now } = options;
  let answer: ChainAnswer | undefined;
  let probedAt = -Infinity;
  let inFlight: Promise<ChainAnswer> | undefined;

  const probe = async (): Promise<ChainAnswer> => {
    const started = now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const head = await Promise.race([
        options.blockNumber(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer to eth_blockNumber within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      answer = { reachable: true, head, answeredAt: now() };
    } catch (error) {
      const answeredAt = answer?.answeredAt;
      answer = {
        reachable: answeredAt !== undefined && started - answeredAt < silenceMs,
        ...(answer?.head !== undefined && { head: answer.head }),
        ...(answeredAt !== undefined && { answeredAt }),
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
      probedAt = now();
    }
    return answer;
  };

  return {
    check() {
      if (answer && now() - probedAt < cacheMs) return Promise.resolve(answer);
      inFlight ??= probe().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    last: () => answer,
  };
}
