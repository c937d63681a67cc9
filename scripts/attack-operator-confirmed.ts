/**
 * Finding 3 of issue 20, measured as a counter meets it: is "confirmed" ever taken back? The
 * gateway of ROOT (this tree by default) runs on its embedded chain; CLIENTS clients write
 * harvests with `?wait=confirmed` for LOAD_S seconds, and anvil is killed with SIGKILL KILL_AT_S
 * seconds in, for ROUNDS rounds. The gateway starts anvil again from its last saved state.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-operator-confirmed.ts
 *   ROOT=/path/to/another/checkout node -r ts-node/register/transpile-only scripts/attack-operator-confirmed.ts
 *
 * Prints, per round: the blocks anvil lost in the kill, the writes answered "confirmed" before the
 * kill whose transaction the restarted chain no longer holds in that block (taken back), and the
 * time from a write to its confirmed answer; at the end, whether every write is on chain exactly
 * once (counted from the chain's EventRecorded logs, over the chain's socket).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ipcCall, IpcProvider } from "../server/chain/ipc-provider";
import { freePort } from "./lib/processes";
import { recordedPerBatch } from "./lib/recorded-on-chain";
import * as payload from "./lib/payloads";

const ROOT = path.resolve(process.env.ROOT ?? path.join(__dirname, ".."));
const CLIENTS = Number(process.env.CLIENTS ?? 8);
const LOAD_S = Number(process.env.LOAD_S ?? 12);
const KILL_AT_S = Number(process.env.KILL_AT_S ?? 6);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  batchId: string;
  eventId: string;
  status: string;
  transactionHash?: string;
  blockNumber?: number;
  sentAt: number;
  answeredAt: number;
}

function anvilOf(dataDir: string): number | undefined {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (/^\S+\s+\(.*\)\s+[ZX]/.test(readFileSync(`/proc/${name}/stat`, "utf8"))) continue;
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg.endsWith("anvil")) && args.some((arg) => arg.startsWith(`${dataDir}/`))) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function startGateway(port: number, dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "server/index.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      CHAIN_PORT: String(await freePort()),
      MASTER_SECRET: "process-test-master-secret-0123456789abcdef",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      API_RATE_LIMIT: "0",
      PUBLIC_RATE_LIMIT: "0",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error("the gateway exited at start");
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { child, base };
    if (i > 600) throw new Error("the gateway did not start within 60 s");
    await sleep(100);
  }
}

async function post(base: string, url: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-confirmed-"));
  const ipcPath = path.join(dataDir, "anvil.ipc");
  const gateway = await startGateway(await freePort(), dataDir);
  try {
    const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    const org = await post(gateway.base, "/api/v1/orgs", adminToken, { name: "凤山核桃合作社", role: "producer" });
    if (org.status !== 201) throw new Error(`creating the producer: ${org.status} ${JSON.stringify(org.body)}`);
    const key: string = org.body.apiKey;
    const answers: Answer[] = [];
    let serial = 0;
    const rows: string[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const stopAt = Date.now() + LOAD_S * 1000;
      const client = async () => {
        while (Date.now() < stopAt) {
          const sentAt = Date.now();
          try {
            const write = await post(gateway.base, "/api/v1/batches?wait=confirmed", key, payload.harvest(`CONFIRMED-${round}-${++serial}`));
            if (write.status !== 202) continue;
            const [event] = write.body.events as { eventId: string; status: string; transactionHash?: string; blockNumber?: number }[];
            answers.push({ batchId: write.body.batchId, ...event, sentAt, answeredAt: Date.now() });
          } catch {
            await sleep(100); // the gateway refused the connection for a moment
          }
        }
      };
      const load = Promise.all(Array.from({ length: CLIENTS }, client));
      await sleep(KILL_AT_S * 1000);
      const headBefore = Number(await ipcCall<string>(ipcPath, "eth_blockNumber", []));
      const killedAt = Date.now();
      const killed = anvilOf(dataDir);
      if (killed === undefined) throw new Error("no anvil of the data folder runs");
      process.kill(killed, "SIGKILL");
      let headAfter: number | undefined;
      while (headAfter === undefined && Date.now() - killedAt < 60_000) {
        await sleep(50);
        const pid = anvilOf(dataDir);
        if (pid === undefined || pid === killed || !existsSync(ipcPath)) continue;
        headAfter = await ipcCall<string>(ipcPath, "eth_blockNumber", [], 500).then(Number, () => undefined);
      }
      if (headAfter === undefined) throw new Error("anvil did not come back within 60 s (this version does not restart it: start the gateway again by hand)");
      const restartMs = Date.now() - killedAt;
      await load;

      const confirmedBefore = answers.filter((a) => a.status === "confirmed" && a.answeredAt <= killedAt && a.sentAt >= stopAt - LOAD_S * 1000);
      let takenBack = 0;
      for (const answer of confirmedBefore) {
        const receipt = await ipcCall<{ blockNumber: string } | null>(ipcPath, "eth_getTransactionReceipt", [answer.transactionHash]);
        if (!receipt || Number(receipt.blockNumber) !== answer.blockNumber) takenBack++;
      }
      rows.push(
        `round ${round}: head ${headBefore} at the kill, ${headAfter} after (anvil back in ${(restartMs / 1000).toFixed(1)} s): ` +
          `${Math.max(0, headBefore - headAfter)} block(s) lost; ${confirmedBefore.length} writes answered confirmed before the kill, ` +
          `${takenBack} of them taken back`,
      );
    }

    // Everything settles: every write on chain exactly once.
    for (let i = 0; i < 600; i++) {
      const ready = await fetch(`${gateway.base}/readyz`).then((r) => r.json() as Promise<{ sendQueue?: { pending: number; submitted: number } }>, () => undefined);
      if (ready?.sendQueue && ready.sendQueue.pending + ready.sendQueue.submitted === 0) break;
      await sleep(200);
    }
    const provider = new IpcProvider(ipcPath, undefined, { cacheTimeout: -1 });
    const deployment = JSON.parse(readFileSync(path.join(dataDir, "deployments", "31337.json"), "utf8")) as { address: string; deployBlock: number };
    const counts = await recordedPerBatch(provider, deployment.address, deployment.deployBlock);
    provider.destroy();
    const accepted = answers.length;
    const once = answers.filter((a) => counts.get(a.batchId.toLowerCase()) === 1).length;
    const latencies = answers.filter((a) => a.status === "confirmed").map((a) => a.answeredAt - a.sentAt).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;

    console.log(`gateway: ${ROOT}`);
    for (const row of rows) console.log(row);
    console.log(`writes accepted: ${accepted}; on chain exactly once: ${once}`);
    console.log(`write to confirmed answer: p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`);
  } finally {
    gateway.child.kill("SIGTERM");
    await new Promise((resolve) => gateway.child.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
