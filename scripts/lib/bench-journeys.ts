/**
 * What the write benchmarks share (`npm run bench:write`, `npm run bench:replica`): a lean
 * keep-alive HTTP client, a pool that keeps a number of requests in flight, the organisations a
 * journey needs, and the journeys themselves: on each harvested batch, shipments and receipts
 * the ledger's rules and the chain's custody accept, one write after the other, each by a holder
 * or the consignee. The cooperative ships the batch to counter A, which receives it; A, now a
 * holder, ships it to counter B, which receives it; B ships it back to A, and so on, each an hour
 * after the one before.
 */
import http from "node:http";
import type Database from "better-sqlite3";
import * as payload from "./payloads";

/** The first journey's shipment, the day after the harvest (payloads.ts). */
const JOURNEY_START = Date.parse("2026-06-02T06:00:00+08:00");

export type Post = (url: string, token: string, body: unknown) => Promise<Record<string, any>>;

export interface BenchOrg {
  id: string;
  apiKey: string;
}

export interface BenchOrgs {
  producer: BenchOrg;
  /** The two counters a batch goes back and forth between. */
  counters: [BenchOrg, BenchOrg];
}

/**
 * A keep-alive HTTP/1.1 client on node:http that POSTs JSON: it costs the shared CPU less than
 * fetch, so the figures measure the gateway rather than the load generator. A status of 300 or
 * more is an error.
 */
export function keepAliveClient(base: string, maxSockets: number): Post {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(base);
  return (url, token, body) =>
    new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const request = http.request(
        {
          agent,
          hostname,
          port,
          path: url,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": data.length, authorization: `Bearer ${token}` },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let answer: Record<string, any>;
            try {
              answer = JSON.parse(text);
            } catch {
              reject(new Error(`${url}: ${response.statusCode} ${text.slice(0, 200)}`));
              return;
            }
            if ((response.statusCode ?? 500) >= 300) reject(new Error(`${url}: ${response.statusCode} ${JSON.stringify(answer)}`));
            else resolve(answer);
          });
        },
      );
      request.on("error", reject);
      request.end(data);
    });
}

/** Runs `count` tasks with `concurrency` in flight; how long until all were acknowledged. */
export async function runConcurrently<T>(count: number, concurrency: number, task: (i: number) => Promise<T>) {
  const answers: T[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        answers[i] = await task(i);
      }
    }),
  );
  return { answers, started, seconds: (performance.now() - started) / 1000 };
}

/** A producer and two retail counters, made with the admin token. */
export async function createBenchOrgs(post: Post, adminToken: string): Promise<BenchOrgs> {
  const org = async (name: string, role: string) => {
    const created = await post("/api/v1/orgs", adminToken, { name, role });
    return { id: created.id as string, apiKey: created.apiKey as string };
  };
  const producer = await org("bench producer", "producer");
  const counters: [BenchOrg, BenchOrg] = [await org("bench counter A", "retailer"), await org("bench counter B", "retailer")];
  return { producer, counters };
}

/** Harvests `count` batches (lots `${lotPrefix}${i}`) by the producer; their batch ids in order. */
export async function harvestBatches(post: Post, orgs: BenchOrgs, count: number, concurrency: number, lotPrefix: string) {
  const run = await runConcurrently(count, concurrency, (i) => post("/api/v1/batches", orgs.producer.apiKey, payload.harvest(`${lotPrefix}${i}`)));
  return { ...run, batchIds: run.answers.map((answer) => answer.batchId as string) };
}

/**
 * Step `step` (0, 1, 2, …) of a batch's journey: who writes it and what. Shipment k (step 2k)
 * goes to counter A when k is even, B when odd, from whoever received the one before.
 */
export function journeyStep(orgs: BenchOrgs, step: number): { token: string; body: Record<string, unknown> } {
  const leg = Math.floor(step / 2);
  const to = orgs.counters[leg % 2];
  const holder = leg === 0 ? orgs.producer : orgs.counters[(leg - 1) % 2];
  const at = new Date(JOURNEY_START + step * 3_600_000).toISOString();
  return step % 2 === 0
    ? { token: holder.apiKey, body: payload.shipment(to.id, { shippedAt: at }) }
    : { token: to.apiKey, body: { ...payload.receipt, receivedAt: at } };
}

/**
 * Writes `events` journey events spread over the batches (batch j takes events j, j + batches,
 * j + 2·batches, … in order), `concurrency` batches at a time, each batch's one after the other.
 */
export function writeJourneys(post: Post, orgs: BenchOrgs, batchIds: readonly string[], events: number, concurrency: number) {
  const batches = batchIds.length;
  const eventsOf = (j: number) => Math.floor(events / batches) + (j < events % batches ? 1 : 0);
  return runConcurrently(batches, concurrency, async (j) => {
    const url = `/api/v1/batches/${batchIds[j]}/events`;
    for (let step = 0; step < eventsOf(j); step++) {
      const { token, body } = journeyStep(orgs, step);
      await post(url, token, body);
    }
  });
}

/** Seconds from `started` (performance.now()) until `total` outbox events of the gateway's database are confirmed. */
export async function confirmedAfter(db: Database.Database, total: number, started: number, timeoutMs = 600_000): Promise<number> {
  const count = db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'confirmed'`);
  const failed = db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'failed'`);
  const deadline = Date.now() + timeoutMs;
  while ((count.get() as { n: number }).n < total) {
    const failures = (failed.get() as { n: number }).n;
    if (failures) throw new Error(`${failures} events failed`);
    if (Date.now() > deadline) throw new Error(`events were not confirmed within ${Math.round(timeoutMs / 60_000)} minutes`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (performance.now() - started) / 1000;
}
