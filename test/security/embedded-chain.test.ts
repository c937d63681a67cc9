/**
 * The embedded chain and the data folder as a local attacker meets them (findings 6 and 7), on
 * the real product: `npm start`'s own process, its embedded anvil and its data folder.
 *
 * - The ledger's admin is a key made for this data folder, kept encrypted with the master
 *   secret; anvil's public development keys (in every Foundry tutorial) hold no role and no ether.
 * - No TCP port of the chain answers a local process; anvil runs in a network namespace of its
 *   own, and its Unix socket is the gateway's alone (0600 in a 0700 folder): another local user
 *   cannot reach anvil_setStorageAt or evm_revert. Even through that socket the public key can
 *   grant nothing and write nothing, and no account is unlocked.
 * - Where the system allows no private network namespace, the start says plainly that any local
 *   process can reach the chain's RPC (README says the same); still no account is unlocked.
 * - Every folder under DATA_DIR is 0700 and every file 0600, after a first run, after a restart,
 *   and after the first start of a folder an earlier version made with 0644 files — which is also
 *   moved off anvil's public keys and keeps working.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, id, IpcSocketProvider, Wallet, ZeroAddress, ZeroHash } from "ethers";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil } from "../../server/chain/anvil";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { ledgerDomain, signEvent } from "../../server/chain/typed-data";
import { freePort, PROCESS_ADMIN_TOKEN, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";

const DEV_ADMIN = new Wallet(ANVIL_DEV_KEY).address;
const DEV_RELAYER = new Wallet(ANVIL_RELAYER_KEY).address;
/** What scripts/lib/processes.ts gives a gateway on an external chain: an earlier version's folder. */
const OLD_MASTER_SECRET = "process-test-master-secret-0123456789abcdef";
const ROLES = { admin: ZeroHash, producer: id("PRODUCER_ROLE"), processor: id("PROCESSOR_ROLE"), certifier: id("CERTIFIER_ROLE"), carrier: id("CARRIER_ROLE"), retailer: id("RETAILER_ROLE") };

interface Deployment {
  address: string;
  admin: string;
  formerAdmins?: string[];
}

const deploymentOf = (dataDir: string) => JSON.parse(readFileSync(path.join(dataDir, "deployments", "31337.json"), "utf8")) as Deployment;

/** Every path under `dir` (itself included) whose mode is not 0700 for a folder or 0600 for anything else. */
function wrongModes(dir: string): string[] {
  const wrong: string[] = [];
  const visit = (target: string) => {
    const stat = lstatSync(target);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${path.relative(dir, target) || "."} ${mode.toString(8)}`);
      for (const name of readdirSync(target)) visit(path.join(target, name));
    } else if (!stat.isSymbolicLink() && mode !== 0o600) {
      wrong.push(`${path.relative(dir, target)} ${mode.toString(8)}`);
    }
  };
  visit(dir);
  return wrong;
}

/** Sets every folder under `dir` to 0755 and every file to 0644, as a 022 umask leaves them. */
function loosen(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const target = path.join(dir, name);
    if (lstatSync(target).isDirectory()) loosen(target);
    else chmodSync(target, 0o644);
  }
}

/** A JSON-RPC call on 127.0.0.1:port, as any local process may make; undefined when nothing answers. */
async function overTcp(port: number, method: string, params: unknown[] = []): Promise<unknown> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(2_000),
    });
    return await response.json();
  } catch {
    return undefined;
  }
}

/** The process whose command line names `needle` (the embedded anvil names its socket). */
function processNaming(needle: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** What another local user (nobody) gets when it tries the chain's socket and port: run only as root, which can switch users. */
async function asAnotherUser(socket: string, port: number): Promise<{ socket: string; tcp: string }> {
  const script = `
    const net = require("net");
    const tryConnect = (options) => new Promise((resolve) => {
      const s = net.connect(options);
      s.on("connect", () => { s.destroy(); resolve("connected"); });
      s.on("error", (e) => resolve(e.code));
    });
    (async () => console.log(JSON.stringify({ socket: await tryConnect({ path: ${JSON.stringify(socket)} }), tcp: await tryConnect({ host: "127.0.0.1", port: ${port} }) })))();`;
  const child = spawn(process.execPath, ["-e", script], { uid: 65534, gid: 65534, cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (out += chunk));
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out.trim()) as { socket: string; tcp: string };
}

describe("security: the embedded chain and the data folder (findings 6 and 7)", function () {
  this.timeout(300_000);

  describe("on a fresh data folder", function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "embedded-chain-"));
    let gateway: GatewayProcess | undefined;
    let chainPort: number;
    let port: number;
    let ipc: IpcSocketProvider | undefined;

    before(async function () {
      port = await freePort();
      chainPort = await freePort();
      gateway = await spawnGateway({ port, chainPort, dataDir });
    });
    after(async function () {
      ipc?.destroy();
      await gateway?.stop().catch(() => undefined);
    });

    const socket = () => {
      ipc ??= new IpcSocketProvider(path.join(dataDir, "anvil.ipc"), 31337, { staticNetwork: true, cacheTimeout: -1 });
      return ipc;
    };

    it("is administered by a key made for this data folder and kept encrypted, not by anvil's public key", async function () {
      const deployment = deploymentOf(dataDir);
      expect(deployment.admin).not.to.equal(DEV_ADMIN);
      const keystore = readFileSync(path.join(dataDir, "keys", "admin.json"), "utf8");
      const masterSecret = readFileSync(path.join(dataDir, "master-secret"), "utf8").trim();
      const admin = await Wallet.fromEncryptedJson(keystore, masterSecret); // Web3 Secret Storage under the master secret
      expect(admin.address).to.equal(deployment.admin);
      expect(keystore).not.to.contain(admin.privateKey.slice(2));
      const relayer = await Wallet.fromEncryptedJson(readFileSync(path.join(dataDir, "keys", "relayer.json"), "utf8"), masterSecret);
      expect(relayer.address).not.to.equal(DEV_RELAYER);
    });

    it("answers no local process on a TCP port: anvil runs in a network namespace of its own", async function () {
      expect(await overTcp(chainPort, "eth_chainId")).to.equal(undefined);
      const anvil = processNaming(path.join(dataDir, "anvil.ipc"));
      expect(anvil, "the embedded anvil serves JSON-RPC on DATA_DIR/anvil.ipc").to.be.a("number");
      expect(readlinkSync(`/proc/${anvil}/ns/net`)).not.to.equal(readlinkSync("/proc/self/ns/net"));
    });

    it("keeps anvil's socket, and with it anvil_setStorageAt and evm_revert, to the gateway's own user", async function () {
      const file = path.join(dataDir, "anvil.ipc");
      expect(lstatSync(file).isSocket()).to.equal(true);
      expect(lstatSync(file).mode & 0o777).to.equal(0o600);
      expect(lstatSync(dataDir).mode & 0o777).to.equal(0o700);
      if (process.getuid?.() === 0) {
        // Tests run as root here: try it as another local user for real.
        expect(await asAnotherUser(file, chainPort)).to.deep.equal({ socket: "EACCES", tcp: "ECONNREFUSED" });
      }
    });

    it("gives anvil's public key nothing even through that socket: no unlocked account, no role, no ether, no write", async function () {
      const provider = socket();
      const ledgerAddress = deploymentOf(dataDir).address;
      expect(await provider.send("eth_accounts", [])).to.deep.equal([]);
      let unlocked: unknown;
      await provider.send("eth_sendTransaction", [{ from: DEV_ADMIN, to: DEV_ADMIN }]).catch((error) => (unlocked = error));
      expect(String(unlocked)).to.match(/no signer/i);

      const ledger = new Contract(ledgerAddress, loadLedgerArtifact().abi, provider);
      for (const account of [DEV_ADMIN, DEV_RELAYER]) {
        for (const role of Object.values(ROLES)) expect(await ledger.hasRole(role, account)).to.equal(false);
        expect(await provider.getBalance(account)).to.equal(0n);
      }
      // Granting itself a role: the contract refuses the public key, and it could not pay the gas anyway.
      const attacker = new Wallet(ANVIL_DEV_KEY, provider);
      let grant: unknown;
      await ledger.grantRole.staticCall(ROLES.producer, DEV_ADMIN, { from: DEV_ADMIN }).catch((error) => (grant = error));
      expect(String(grant)).to.match(/AccessControlUnauthorizedAccount|revert/i);
      let sent: unknown;
      await attacker.sendTransaction({ to: ledgerAddress, data: ledger.interface.encodeFunctionData("grantRole", [ROLES.producer, DEV_ADMIN]), gasLimit: 100_000n }).catch((error) => (sent = error));
      expect(String(sent)).to.match(/insufficient funds|funds/i);

      // Writing a harvest straight to the ledger, signed with the public key: refused for want of a role.
      const event = { batchId: payload.harvestedBatchId("ATTACK-1"), kind: 0, prevHead: ZeroHash, dataHash: id("forged harvest"), inputs: [] as string[], counterparty: ZeroAddress };
      const signed = await signEvent(attacker, ledgerDomain(31337, ledgerAddress), event);
      let write: unknown;
      await ledger.record.staticCall(signed, [], [], [], { from: DEV_ADMIN }).catch((error) => (write = error));
      expect((write as { revert?: { name: string } } | undefined)?.revert?.name, "the ledger refuses a harvest signed with anvil's public key").to.equal(
        "ProvenanceLedgerUnauthorizedSigner",
      );
    });

    it("keeps every file and folder of the data folder private, after a first run and after a restart", async function () {
      const token = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
      const org = await fetch(`${gateway!.base}/api/v1/orgs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: "田阳芒果合作社", role: "producer" }),
      });
      const { apiKey } = (await org.json()) as { apiKey: string };
      const harvest = await fetch(`${gateway!.base}/api/v1/batches?wait=confirmed`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(payload.harvest("MODES-1")),
      });
      expect(harvest.status).to.equal(202);
      expect(existsSync(path.join(dataDir, "gateway.db-wal"))).to.equal(true);
      expect(wrongModes(dataDir)).to.deep.equal([]);

      ipc?.destroy();
      ipc = undefined;
      await gateway!.stop();
      expect(wrongModes(dataDir)).to.deep.equal([]); // chain.json and chain.json.previous, written at the stop
      gateway = await spawnGateway({ port, chainPort, dataDir });
      expect(wrongModes(dataDir)).to.deep.equal([]);
    });
  });

  describe("where the system gives anvil no private network namespace (CHAIN_ISOLATION=off)", function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "embedded-chain-off-"));
    let gateway: GatewayProcess | undefined;
    after(async () => gateway?.stop().catch(() => undefined));

    it("says at start that any local process can reach the chain's RPC, which has no unlocked account and no public admin", async function () {
      const chainPort = await freePort();
      gateway = await spawnGateway({ port: await freePort(), chainPort, dataDir, env: { CHAIN_ISOLATION: "off" } });
      expect(gateway.output()).to.match(/no private network namespace: every local process can reach its RPC/);
      expect(await overTcp(chainPort, "eth_accounts")).to.deep.include({ result: [] });
      expect(deploymentOf(dataDir).admin).not.to.equal(DEV_ADMIN);
      expect(wrongModes(dataDir)).to.deep.equal([]);
    });
  });

  describe("on a data folder an earlier version made (anvil's public keys, 0644 files)", function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "embedded-chain-old-"));
    let gateway: GatewayProcess | undefined;
    let ipc: IpcSocketProvider | undefined;

    after(async function () {
      ipc?.destroy();
      await gateway?.stop().catch(() => undefined);
    });

    it("is made private and moved to its own keys on its first start, and keeps working", async function () {
      // The earlier embedded chain: anvil with its public development accounts, state in
      // DATA_DIR/chain.json, the ledger deployed and relayed with the public keys.
      const chainPort = await freePort();
      const port = await freePort();
      const anvil = await startAnvil({ port: chainPort, stateFile: path.join(dataDir, "chain.json"), stateInterval: 1 });
      const old = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir });
      const post = async (base: string, url: string, token: string, body: unknown) => {
        const response = await fetch(`${base}${url}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      };
      const producer = await post(old.base, "/api/v1/orgs", PROCESS_ADMIN_TOKEN, { name: "乐业猕猴桃合作社", role: "producer" });
      const first = await post(old.base, "/api/v1/batches?wait=confirmed", producer.body.apiKey, payload.harvest("OLD-1"));
      expect(first.body.status).to.equal("confirmed");
      await old.stop();
      await anvil.stop();
      expect(deploymentOf(dataDir).admin).to.equal(DEV_ADMIN);
      writeFileSync(path.join(dataDir, "admin-token"), `${PROCESS_ADMIN_TOKEN}\n`);
      writeFileSync(path.join(dataDir, "master-secret"), `${OLD_MASTER_SECRET}\n`);
      loosen(dataDir);
      expect(wrongModes(dataDir)).not.to.deep.equal([]);

      gateway = await spawnGateway({ port, chainPort, dataDir });
      expect(wrongModes(dataDir)).to.deep.equal([]);
      expect(gateway.output()).to.match(/private to the service/);

      const deployment = deploymentOf(dataDir);
      expect(deployment.admin).not.to.equal(DEV_ADMIN);
      expect(deployment.formerAdmins).to.deep.equal([DEV_ADMIN]);
      ipc = new IpcSocketProvider(path.join(dataDir, "anvil.ipc"), 31337, { staticNetwork: true, cacheTimeout: -1 });
      const ledger = new Contract(deployment.address, loadLedgerArtifact().abi, ipc);
      expect(await ledger.hasRole(ROLES.admin, deployment.admin)).to.equal(true);
      for (const account of [DEV_ADMIN, DEV_RELAYER]) {
        for (const role of Object.values(ROLES)) expect(await ledger.hasRole(role, account)).to.equal(false);
        expect(await ipc.getBalance(account)).to.equal(0n);
      }

      // The same organisation, with the API key it had, writes on; its first batch is still there.
      const next = await post(gateway.base, "/api/v1/batches?wait=confirmed", producer.body.apiKey, payload.harvest("OLD-2"));
      expect(next.status, JSON.stringify(next.body)).to.equal(202);
      expect(next.body.status).to.equal("confirmed");
      const earlier = (await (await fetch(`${gateway.base}/api/v1/batches/${first.body.batchId}`)).json()) as { events: unknown[] };
      expect(earlier.events).to.have.length(1);
    });
  });
});
