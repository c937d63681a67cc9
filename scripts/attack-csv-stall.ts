/**
 * "A 19.5 MB CSV of 155,644 rows accepted and stalling the event loop for 3 s" (issue 19),
 * measured as the attacker ran it, against a gateway process on an anvil of its own: while one
 * producer uploads a CSV over the API, a client asks for /healthz again and again (one request
 * after another), and the script prints how long those answers took (median, p99, longest) and
 * what the upload was answered. Files: the (155,644 rows, over 10 MB) and the largest
 * one the limits take (50,000 rows).
 *   node -r ts-node/register/transpile-only scripts/attack-csv-stall.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";

const MANGO_GTIN = "06901234567892";

function harvestCsv(prefix: string, rows: number): Buffer {
  const lines = ["product,gtin,lot,countyCode,quantity,unit,harvestedAt"];
  for (let n = 1; n <= rows; n++) lines.push(`乐业猕猴桃,${MANGO_GTIN},${prefix}${n},451028,${n},kg,2026-06-01 08:00`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-csv-"));
  const anvil = await startAnvil({ port: await freePort() });
  const gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env: { LOG_LEVEL: "error", API_RATE_LIMIT: "0" } });
  const base = gateway.base;
  try {
    const created = await fetch(`${base}/api/v1/orgs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ name: "田阳芒果专业合作社", role: "producer" }),
    });
    const { apiKey } = (await created.json()) as { apiKey: string };

    /** /healthz one after another until `done` resolves; each answer's time in ms. */
    const pingWhile = async (done: Promise<unknown>) => {
      let finished = false;
      void done.finally(() => (finished = true));
      const times: number[] = [];
      while (!finished) {
        const started = performance.now();
        await (await fetch(`${base}/healthz`)).text();
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    };
    const report = (label: string, times: number[], extra = "") =>
      console.log(
        `  ${label}: ${times.length} answers of /healthz, median ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, longest ${times[times.length - 1].toFixed(0)} ms${extra}`,
      );

    // Warm up (and let the CSV reader start, where there is one), then a baseline.
    await fetch(`${base}/api/v1/imports?kind=harvest`, { method: "POST", headers: { "content-type": "text/csv", authorization: `Bearer ${apiKey}` }, body: harvestCsv("WARM", 10) });
    const idle = new Promise((resolve) => setTimeout(resolve, 3_000));
    report("no upload", await pingWhile(idle));

    // The files are made before any measuring: making them holds this script's own thread.
    const files = [
      ["the issue's file, 155,644 rows", harvestCsv("ISSUE-", 155_644)],
      ["the largest file the limits take, 50,000 rows", harvestCsv("MAX-", 50_000)],
    ] as const;
    for (const [label, bytes] of files) {
      const started = performance.now();
      const upload = fetch(`${base}/api/v1/imports?kind=harvest`, {
        method: "POST",
        headers: { "content-type": "text/csv", authorization: `Bearer ${apiKey}` },
        body: bytes,
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { totalRows?: number; error?: { message: string } } }));
      const times = await pingWhile(upload);
      const answer = await upload;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const what = answer.body.totalRows !== undefined ? `${answer.body.totalRows} rows checked` : answer.body.error?.message;
      report(`${label} (${(bytes.length / 1024 / 1024).toFixed(1)} MB)`, times, `; the upload: ${answer.status} after ${seconds} s (${what})`);
    }
  } catch (error) {
    console.error(gateway.output());
    throw error;
  } finally {
    await gateway.stop();
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
