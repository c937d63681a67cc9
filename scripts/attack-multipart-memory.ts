/**
 * Finding 1 of issue 19, measured as the attacker ran it: eight anonymous POSTs of a 20 MB
 * multipart body to /console/login at once, against a gateway process on an anvil of its own.
 *   node -r ts-node/register/transpile-only scripts/attack-multipart-memory.ts
 * It prints the gateway's resident memory (VmRSS from /proc) before, at its peak during, and
 * after the attack, how many bytes the gateway read meanwhile (rchar from /proc), and for each
 * request its answer, how much of its body the client had sent (into its socket) when the answer
 * came, and whether the server then closed the connection.
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil } from "../server/chain/anvil";
import { freePort, spawnGateway } from "./lib/processes";
import { BOUNDARY, fileHead, multipartPieces, rawRequest } from "./lib/raw-http";

const REQUESTS = Number(process.env.ATTACK_REQUESTS ?? 8);
/** Each body: this many files of FILE_MB each (the worst case was 10 × 20 MB). */
const FILES = Number(process.env.ATTACK_FILES ?? 1);
const FILE_MB = Number(process.env.ATTACK_FILE_MB ?? 20);
const MB = 1024 * 1024;

/** Bytes the process has read through read(2) and the like, sockets included (/proc/<pid>/io rchar). */
function bytesRead(pid: number): number {
  return Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-multipart-"));
  const anvil = await startAnvil({ port: await freePort() });
  const gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env: { LOG_LEVEL: "error" } });
  const pid = gateway.child.pid!;
  try {
    // Warm up the login page once, as any visitor would, then let the heap settle.
    await (await fetch(`${gateway.base}/console/login`)).text();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = rssMb(pid);
    const readBefore = bytesRead(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);

    const form = multipartPieces([["_csrf", "not-a-token"], ["username", "someone"]], undefined);
    const pieces: Array<Buffer | number> = [];
    for (let i = 0; i < FILES; i++) pieces.push(Buffer.from(fileHead({ field: "photos", name: `big-${i}.jpg`, type: "image/jpeg" })), FILE_MB * MB, Buffer.from("\r\n"));
    pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, () =>
        rawRequest(gateway.base, {
          path: "/console/login",
          headers: { "Content-Type": form.contentType },
          head: form.head,
          pieces,
          answerWithinMs: 120_000,
        }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(pid));
    const after = rssMb(pid);
    const read = bytesRead(pid) - readBefore;

    console.log(`${REQUESTS} POSTs of a multipart body with ${FILES} file(s) of ${FILE_MB} MB to /console/login at once (${seconds.toFixed(1)} s):`);
    console.log(`  gateway RSS: before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`);
    console.log(`  bytes the gateway read meanwhile (rchar, all its reads): ${(read / MB).toFixed(1)} MB of ${(answers[0].bodyBytes * REQUESTS / MB).toFixed(0)} MB sent at it`);
    for (const [i, answer] of answers.entries()) {
      console.log(
        `  request ${i + 1}: ${answer.status ?? "no answer"}; body sent when answered: ${(answer.sentBeforeAnswer / MB).toFixed(2)} of ${(answer.bodyBytes / MB).toFixed(0)} MB; ` +
          `connection closed by the server: ${answer.closedByServer ? "yes" : "no"}`,
      );
    }
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
