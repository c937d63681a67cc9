/**
 * Where a transaction's gas went, from the node's opcode trace (debug_traceTransaction's
 * structLogs): the 21,000 base, the calldata, storage (SLOAD/SSTORE), the signature check (the
 * ecrecover precompile at 0x01), logs (LOG0–LOG4), hashing (KECCAK256) and everything else
 * (decoding, memory, jumps, checks). Storage refunds come back at the end, so the parts add up
 * to the gas used plus the refund.
 */
export interface GasBreakdown {
  base: number;
  calldata: number;
  storage: number;
  signature: number;
  logs: number;
  hashing: number;
  rest: number;
  refund: number;
}

interface StructLog {
  op: string;
  /** Gas left before the step. */
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export interface Tracer {
  send(method: string, params: unknown[]): Promise<unknown>;
}

const BASE_GAS = 21_000;
const ECRECOVER = 1n;

/** What calldata costs: 4 gas a zero byte, 16 another. */
export function calldataCost(data: string): number {
  let gas = 0;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

/** The part an opcode's gas belongs to; a call's cost includes the precompile it reaches. */
function partOf(log: StructLog): keyof GasBreakdown {
  if (log.op === "SLOAD" || log.op === "SSTORE") return "storage";
  if (log.op.startsWith("LOG")) return "logs";
  if (log.op === "KECCAK256" || log.op === "SHA3") return "hashing";
  if (log.op === "STATICCALL" && log.stack && log.stack.length >= 2 && BigInt(`0x${log.stack.at(-2)!.replace(/^0x/, "")}`) === ECRECOVER) {
    return "signature";
  }
  return "rest";
}

export async function gasBreakdown(tracer: Tracer, txHash: string, data: string, gasUsed: bigint): Promise<GasBreakdown> {
  const trace = (await tracer.send("debug_traceTransaction", [txHash, { disableMemory: true, disableStorage: true }])) as {
    structLogs: StructLog[];
  };
  const parts: GasBreakdown = { base: BASE_GAS, calldata: calldataCost(data), storage: 0, signature: 0, logs: 0, hashing: 0, rest: 0, refund: 0 };
  // Only the ledger's own frame: its calls reach precompiles alone, which leave no steps of their
  // own. A step's cost is the gas it left to the next step: a call's gasCost names the gas it
  // forwarded, not what the precompile used.
  const steps = trace.structLogs;
  steps.forEach((log, i) => {
    if (log.depth !== 1) return;
    const next = steps[i + 1];
    parts[partOf(log)] += next && next.depth === 1 ? log.gas - next.gas : log.gasCost;
  });
  const spent = parts.base + parts.calldata + parts.storage + parts.signature + parts.logs + parts.hashing + parts.rest;
  parts.refund = spent - Number(gasUsed);
  return parts;
}

/** The breakdown divided by `events`, rounded. */
export function perEventBreakdown(parts: GasBreakdown, events: number): GasBreakdown {
  return Object.fromEntries(Object.entries(parts).map(([part, gas]) => [part, Math.round(gas / events)])) as unknown as GasBreakdown;
}
