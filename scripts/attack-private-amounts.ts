/**
 * Measures finding 3 of issue 19: can a sale's private amount be read back from what is public?
 * A gateway as `npm start` runs it (scripts/lib/gateway-under-test.ts) records a harvest, its
 * shipment to a counter, the receipt and a sale of ¥123.45; then, as an anonymous client, this script
 * reads the batch and tries every amount from ¥0.00 to ¥123.45 (12,346 of them): each put back
 * into the public detail and hashed as the chain's data hash was, and, where the detail holds a
 * commitment instead, hashed as a commitment with every salt an attacker could know (none, "",
 * zero). It prints how many tries and how long it took, or that nothing in the space matched,
 * and how long all amounts up to ¥100,000 would take at the same speed.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-private-amounts.ts
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalize } from "../server/domain/canonical-json";
import { gatewayUnderTest } from "./lib/gateway-under-test";
import * as payload from "./lib/payloads";

const AMOUNT = 123.45;
const SPACE = 12_346;
const ZERO = `0x${"0".repeat(64)}`;
const hash = (value: unknown) => keccak256(toUtf8Bytes(canonicalize(value)));

async function main() {
  const h = await gatewayUnderTest();
  try {
    const producer = await h.org("田阳芒果专业合作社", "producer");
    const retailer = await h.org("福田区消费帮扶专柜", "retailer");
    const harvest = await h.call("POST", "/api/v1/batches?wait=confirmed", { token: producer.apiKey, body: payload.harvest("ATTACK-1") });
    if (harvest.status !== 202) throw new Error(JSON.stringify(harvest.body));
    const batchId = harvest.body.batchId as string;
    for (const [org, body] of [
      [producer, payload.shipment(retailer.id)],
      [retailer, payload.receipt],
      [retailer, { ...payload.sale, amountCny: AMOUNT }],
    ] as const) {
      const answer = await h.call("POST", `/api/v1/batches/${batchId}/events?wait=confirmed`, { token: org.apiKey, body });
      if (answer.status !== 202) throw new Error(JSON.stringify(answer.body));
    }
    await waitForIndex(h, batchId, 4);

    const batch = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    const sale = batch.events.find((e: { type: string }) => e.type === "sale");
    const detail = sale.detail as Record<string, unknown>;
    const dataHash = sale.proof.dataHash as string;
    const { committed, ...rest } = detail as { committed?: Record<string, string> };
    const commitment = committed?.amountCny;

    const started = process.hrtime.bigint();
    let tries = 0;
    let found: number | undefined;
    for (let cents = 0; cents < SPACE && found === undefined; cents++) {
      const amount = cents / 100;
      tries++;
      if (hash({ ...rest, amountCny: amount }) === dataHash || hash({ ...detail, amountCny: amount }) === dataHash) found = amount;
      if (commitment && found === undefined) {
        for (const guess of [amount, { value: amount }, { salt: "", value: amount }, { salt: ZERO, value: amount }]) {
          if (hash(guess) === commitment) found = amount;
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const perTry = seconds / tries;
    const figures = {
      publicDetailHasAmount: "amountCny" in detail,
      publicDetailHasCommitment: commitment !== undefined,
      found: found ?? null,
      tries,
      seconds: Number(seconds.toFixed(3)),
      secondsForAllAmountsTo100k: Number((perTry * 10_000_001).toFixed(0)),
    };
    console.log(
      found !== undefined
        ? `found ¥${found} in ${tries} tries and ${figures.seconds} s (all amounts to ¥100,000: about ${figures.secondsForAllAmountsTo100k} s on one core)`
        : `not found: all ${tries} amounts from ¥0.00 to ¥123.45 tried in ${figures.seconds} s, none matches the hash on chain or the commitment`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await h.stop();
  }
}

/** The index trails the confirmation a little: wait until the batch read holds all its events. */
async function waitForIndex(h: { call: (m: string, u: string) => Promise<{ status: number; body: any }> }, batchId: string, events: number) {
  for (let i = 0; i < 200; i++) {
    const read = await h.call("GET", `/api/v1/batches/${batchId}`);
    if (read.status === 200 && read.body.events.length >= events) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the batch did not reach the index");
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
