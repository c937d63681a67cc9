/**
 * `npm run profile:write`: bench:write with the gateway under node's CPU profiler, then where each
 * of its threads spent its time (lib/summarise-cpu-profile.ts): the HTTP thread, the chain thread
 * (relayer and indexer), the chain snapshots' thread. Proportions, not rates, are what to compare
 * between runs on a shared machine.
 *
 *   BENCH_EVENTS (3,000 here), BENCH_BATCHES (300 here), BENCH_CONCURRENCY, PROFILE_DIR (a new
 *   temporary folder), PROFILE_TOP (functions listed per thread, 20)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { formatSummary, summariseProfile, type CpuProfile } from "./lib/summarise-cpu-profile";

const dir = process.env.PROFILE_DIR ?? mkdtempSync(path.join(tmpdir(), "profile-write-"));
const bench = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "bench-write.ts")], {
  stdio: "inherit",
  env: {
    ...process.env,
    BENCH_EVENTS: process.env.BENCH_EVENTS ?? "3000",
    BENCH_BATCHES: process.env.BENCH_BATCHES ?? "300",
    GATEWAY_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${dir}`,
  },
});
if (bench.status !== 0) process.exit(bench.status ?? 1);

// One file per thread, named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one.
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort()) {
  const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
  console.log(`\n${formatSummary(path.join(dir, file), summariseProfile(profile, Number(process.env.PROFILE_TOP ?? 20)))}`);
}
