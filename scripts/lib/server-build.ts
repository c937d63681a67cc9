/**
 * The server as plain JavaScript, for the many processes a test run starts. Under ts-node every
 * gateway, CLI or reindex process spends some four seconds turning server/'s TypeScript into
 * JavaScript before it does anything; a test run starts a hundred of them. So the test run (the
 * root hook in hardhat.config.ts) turns server/ into JavaScript once, with the same compiler
 * call ts-node's transpile-only mode makes (TypeScript's transpileModule, the project's
 * tsconfig), into cache/server-build/, and processes started through `serverCommand` run that.
 * Without a build (a benchmark, an attack script) they run the TypeScript through ts-node as
 * before.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
/** Where the build is, once made: set in the test run's own process (and inherited by its children). */
export const SERVER_BUILD_ENV = "PROVENANCE_SERVER_BUILD";

/**
 * The node arguments that run a server entry point (server/index.ts, server/cli.ts,
 * server/reindex.ts): the built JavaScript when the test run made one, else the TypeScript
 * through ts-node. Run them with the repository as the working folder.
 */
export function serverCommand(entry: string): string[] {
  const build = process.env[SERVER_BUILD_ENV];
  if (build && existsSync(path.join(build, entry.replace(/\.ts$/, ".js")))) return [path.join(build, entry.replace(/\.ts$/, ".js"))];
  return ["-r", "ts-node/register/transpile-only", entry];
}

/**
 * Turns server/ into JavaScript under `outDir` (made afresh), beside what it reads at run time.
 * Each test run builds its own (cache/server-build-PID, removed when the run exits), so that two
 * runs in one checkout never rebuild a folder the other's gateways run from.
 */
export function buildServer(outDir = path.join(ROOT, "cache", `server-build-${process.pid}`)): string {
  removeBuildsOfEndedRuns(path.dirname(outDir));
  process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
  // Loaded here only: a process that never builds does not pay for the compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const compilerOptions = { ...options, noEmit: false, declaration: false, sourceMap: false, inlineSourceMap: false, outDir: undefined };

  rmSync(outDir, { recursive: true, force: true });
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      if (entry.isDirectory()) copy(source, path.join(to, entry.name));
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        const output = ts.transpileModule(readFileSync(source, "utf8"), { compilerOptions, fileName: source });
        writeFileSync(path.join(to, entry.name.replace(/\.ts$/, ".js")), output.outputText);
      } else cpSync(source, path.join(to, entry.name));
    }
  };
  copy(path.join(ROOT, "server"), path.join(outDir, "server"));
  // What the server finds beside itself: its packages and the compiled contracts.
  for (const name of ["node_modules", "artifacts", "package.json"]) symlinkSync(path.join(ROOT, name), path.join(outDir, name));
  return outDir;
}

/** Builds left by runs that ended without removing theirs (killed): their process is gone. */
function removeBuildsOfEndedRuns(cacheDir: string): void {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    const pid = /^server-build-(\d+)$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
