/**
 * Mass balance of a split: the batches made from some input batches must not hold more than
 * those inputs had left.
 *
 * - Quantities by weight compare in kilograms (1 t = 1000 kg, 1 jin 斤 = 0.5 kg). Counted units
 *   (box, piece, crate, bag) compare only with the same unit: 10 boxes split into 4 + 6 boxes is
 *   checked, 1,200 kg packed into boxes is not.
 * - An input has what it was created with (its harvest's quantity, or the quantity it was split
 *   off as) minus what was split off it since. When an earlier split drew on several inputs at
 *   once (a merge), the ledger does not say how much came from each; the check asks whether
 *   there is some way the earlier splits and this one could all have been drawn from the inputs
 *   (a maximum flow from inputs to outputs). For splits of one input this is plain subtraction.
 * - When the check cannot be made (units that do not compare, a quantity the gateway does not
 *   know, an implausibly large web of merges) the answer says so: the console then refuses the
 *   split unless the member confirms they checked the quantities themselves.
 * - Processing without outputs (in place, or merging inputs into the main batch) draws nothing.
 */

export interface Quantity {
  amount: number;
  unit: string;
}

/** What the check needs to know about batches (AcceptedBatchReads answers it from the outbox). */
export interface QuantitySource {
  /** The quantity the batch was created with; undefined when unknown. */
  quantityOf(batchId: string): Quantity | undefined;
  /** Batches split off this one so far, each with every input it names and its quantity. */
  drawsOn(batchId: string): Array<{ batchId: string; inputs: string[]; quantity: Quantity | undefined }>;
}

/** Amounts are in `measure`: kilograms for weights, else the counted unit itself. */
export type MassBalance =
  | { kind: "balanced"; measure: string; requested: number; available: number }
  | { kind: "exceeded"; measure: string; requested: number; available: number }
  | { kind: "uncheckable"; reason: "units" | "unknown-quantity" | "too-large"; units: string[] };

const KILOGRAMS_PER: Record<string, number> = { kg: 1, t: 1000, jin: 0.5 };
/** More batches than this in one web of merges and splits: not checked (see above). */
const MAX_BATCHES = 400;

/** Kilograms for a weight, the count itself for a counted unit, with the measure it is in. */
export function inMeasure(quantity: Quantity): { measure: string; value: number } {
  const perKg = KILOGRAMS_PER[quantity.unit];
  return perKg === undefined ? { measure: quantity.unit, value: quantity.amount } : { measure: "kg", value: quantity.amount * perKg };
}

/** Whether `outputs` can be split off `inputs` (batch ids, lowercase), given what came before. */
export function checkMassBalance(source: QuantitySource, inputs: readonly string[], outputs: readonly Quantity[]): MassBalance {
  const web = collectWeb(source, inputs);
  const units = [...new Set([...web.inputs.values(), ...web.draws.map((d) => d.quantity), ...outputs].flatMap((q) => (q ? [q.unit] : [])))];
  if (!web.complete) return { kind: "uncheckable", reason: "too-large", units };
  if ([...web.inputs.values()].some((q) => !q) || web.draws.some((d) => !d.quantity)) {
    return { kind: "uncheckable", reason: "unknown-quantity", units };
  }
  const measures = new Set(units.map((unit) => inMeasure({ amount: 0, unit }).measure));
  if (measures.size !== 1) return { kind: "uncheckable", reason: "units", units };
  const [measure] = measures;

  const inputIds = [...web.inputs.keys()];
  const capacities = inputIds.map((id) => inMeasure(web.inputs.get(id)!).value);
  const earlier = web.draws.map((draw) => ({ amount: inMeasure(draw.quantity!).value, from: draw.inputs.map((id) => inputIds.indexOf(id)) }));
  const available = freeCapacity(capacities, earlier, inputs.map((id) => inputIds.indexOf(id)));
  const requested = outputs.reduce((sum, q) => sum + inMeasure(q).value, 0);
  const tolerance = 1e-9 * Math.max(1, requested);
  const kind = requested <= available + tolerance ? "balanced" : "exceeded";
  return { kind, measure, requested, available };
}

/**
 * The inputs and every batch split off them, and (transitively) the other inputs those splits
 * drew on: all that shares quantity with the inputs.
 */
function collectWeb(source: QuantitySource, start: readonly string[]) {
  const inputs = new Map<string, Quantity | undefined>();
  const draws = new Map<string, { inputs: string[]; quantity: Quantity | undefined }>();
  const queue = [...start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (inputs.has(id)) continue;
    if (inputs.size + draws.size >= MAX_BATCHES) return { inputs, draws: [...draws.values()], complete: false };
    inputs.set(id, source.quantityOf(id));
    for (const draw of source.drawsOn(id)) {
      if (draws.has(draw.batchId)) continue;
      draws.set(draw.batchId, { inputs: draw.inputs, quantity: draw.quantity });
      queue.push(...draw.inputs.filter((input) => !inputs.has(input)));
    }
  }
  return { inputs, draws: [...draws.values()], complete: true };
}

/**
 * How much more can be drawn from the inputs `from` once the earlier draws have taken what they
 * could: a maximum flow (Edmonds–Karp) from a source through the inputs (capacity: what each was
 * created with) to the draws (capacity: each draw's amount), then, keeping those, to the new one.
 */
function freeCapacity(capacities: number[], earlier: Array<{ amount: number; from: number[] }>, from: number[]): number {
  const source = 0;
  const input = (i: number) => 1 + i;
  const draw = (j: number) => 1 + capacities.length + j;
  const fresh = 1 + capacities.length + earlier.length;
  const sink = fresh + 1;
  const size = sink + 1;
  const residual = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  capacities.forEach((capacity, i) => (residual[source][input(i)] = capacity));
  earlier.forEach(({ amount, from: inputsOfDraw }, j) => {
    for (const i of inputsOfDraw) residual[input(i)][draw(j)] = Infinity;
    residual[draw(j)][sink] = amount;
  });
  for (const i of from) residual[input(i)][fresh] = Infinity;

  maxFlow(residual, source, sink); // the earlier draws first...
  residual[fresh][sink] = Infinity; // ...then what is left for this one, without taking from them
  return maxFlow(residual, source, sink);
}

const EPSILON = 1e-12;

function maxFlow(residual: number[][], source: number, sink: number): number {
  let total = 0;
  for (;;) {
    const previous = new Array<number>(residual.length).fill(-1);
    previous[source] = source;
    const queue = [source];
    while (queue.length > 0 && previous[sink] === -1) {
      const node = queue.shift()!;
      residual[node].forEach((capacity, next) => {
        if (capacity > EPSILON && previous[next] === -1) {
          previous[next] = node;
          queue.push(next);
        }
      });
    }
    if (previous[sink] === -1) return total;
    let bottleneck = Infinity;
    for (let node = sink; node !== source; node = previous[node]) bottleneck = Math.min(bottleneck, residual[previous[node]][node]);
    if (!Number.isFinite(bottleneck)) return Infinity; // cannot happen: every path starts on an input's capacity
    for (let node = sink; node !== source; node = previous[node]) {
      residual[previous[node]][node] -= bottleneck;
      residual[node][previous[node]] += bottleneck;
    }
    total += bottleneck;
  }
}
