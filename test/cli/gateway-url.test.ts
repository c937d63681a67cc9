/**
 * Where the CLI looks for the gateway: --url, else GATEWAY_URL, else PORT and HOST as the
 * gateway itself reads them, else the default; and errors that say which address it used, where
 * that came from and how to change it, and where the admin token is read from (DATA_DIR).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { runCli } from "../../server/cli";
import { DEFAULT_GATEWAY_URL, gatewayAddress } from "../../server/cli/credentials";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { freePort } from "../../scripts/lib/processes";

describe("cli: finding the gateway", function () {
  this.timeout(120_000);
  let h: Harness;
  let port: string;
  let folder: string;
  const orgNamed = (name: string) => h.db.prepare(`SELECT role FROM orgs WHERE name = ?`).get(name);

  before(async function () {
    h = await startHarness();
    port = new URL(h.base).port;
    folder = mkdtempSync(path.join(tmpdir(), "cli-gateway-url-"));
  });

  after(async function () {
    await h?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("takes --url, else GATEWAY_URL, else PORT and HOST as the gateway reads them, else the default", function () {
    const env = { GATEWAY_URL: "http://gateway.example:9000/", PORT: "9100", HOST: "10.0.0.5" };
    expect(gatewayAddress("http://other.example:9200", env)).to.deep.equal({ url: "http://other.example:9200", source: "--url" });
    expect(gatewayAddress(undefined, env)).to.deep.equal({ url: "http://gateway.example:9000", source: "GATEWAY_URL" });
    expect(gatewayAddress(undefined, { PORT: "9100", HOST: "10.0.0.5" })).to.deep.equal({ url: "http://10.0.0.5:9100", source: "PORT/HOST" });
    expect(gatewayAddress(undefined, { PORT: "9100" })).to.deep.equal({ url: "http://127.0.0.1:9100", source: "PORT/HOST" });
    expect(gatewayAddress(undefined, { HOST: "10.0.0.5" })).to.deep.equal({ url: "http://10.0.0.5:8080", source: "PORT/HOST" });
    // A gateway listening on every address is reached on loopback; an IPv6 address goes in brackets.
    expect(gatewayAddress(undefined, { HOST: "0.0.0.0", PORT: "9100" }).url).to.equal("http://127.0.0.1:9100");
    expect(gatewayAddress(undefined, { HOST: "::", PORT: "9100" }).url).to.equal("http://[::1]:9100");
    expect(gatewayAddress(undefined, { HOST: "fd00::5", PORT: "9100" }).url).to.equal("http://[fd00::5]:9100");
    expect(gatewayAddress(undefined, {})).to.deep.equal({ url: DEFAULT_GATEWAY_URL, source: "default" });
  });

  it("reaches a gateway started on PORT and HOST with the same PORT and HOST, without GATEWAY_URL", async function () {
    const { exitCode, output } = await runCli(["org", "create", "--name", "凌云白毫茶合作社", "--role", "producer"], { PORT: port, HOST: "127.0.0.1", ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    expect(exitCode, output).to.equal(0);
    expect(orgNamed("凌云白毫茶合作社")).to.deep.equal({ role: "producer" });
  });

  it("names the address it could not reach, where it came from and how to change it (exit 3)", async function () {
    const nowhere = String(await freePort());
    const fromPort = await runCli(["batch", "show", `0x${"ab".repeat(32)}`], { PORT: nowhere });
    expect(fromPort.exitCode).to.equal(3);
    expect(fromPort.stderr).to.contain(`cannot reach the gateway at http://127.0.0.1:${nowhere} (from PORT/HOST)`);
    expect(fromPort.stderr).to.contain("--url").and.to.contain("GATEWAY_URL");

    const fromEnv = await runCli(["batch", "show", `0x${"ab".repeat(32)}`], { GATEWAY_URL: `http://127.0.0.1:${nowhere}`, PORT: port });
    expect(fromEnv.exitCode).to.equal(3);
    expect(fromEnv.stderr).to.contain(`the gateway at http://127.0.0.1:${nowhere} (from GATEWAY_URL)`);

    const fromOption = await runCli(["batch", "show", `0x${"ab".repeat(32)}`, "--url", `http://127.0.0.1:${nowhere}`], { GATEWAY_URL: h.base });
    expect(fromOption.exitCode).to.equal(3);
    expect(fromOption.stderr).to.contain(`the gateway at http://127.0.0.1:${nowhere} (from --url)`);
  });

  it("refuses a PORT that is no port, naming it, before calling anything (exit 2)", async function () {
    const { exitCode, stderr } = await runCli(["batch", "show", `0x${"ab".repeat(32)}`], { PORT: "eighty" });
    expect(exitCode).to.equal(2);
    expect(stderr).to.contain("PORT must be the gateway's port").and.to.contain("--url");
  });

  it("reads the admin token from DATA_DIR, and without one says where it looked and how to choose the gateway (exit 2)", async function () {
    const empty = path.join(folder, "empty");
    const missing = await runCli(["org", "create", "--name", "右江区芒果合作社", "--role", "producer"], { GATEWAY_URL: h.base, DATA_DIR: empty });
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.contain(path.join(empty, "admin-token")).and.to.contain("DATA_DIR").and.to.contain("--url").and.to.contain("GATEWAY_URL");
    expect(orgNamed("右江区芒果合作社")).to.equal(undefined);

    const data = path.join(folder, "data");
    mkdirSync(data);
    writeFileSync(path.join(data, "admin-token"), `${TEST_ADMIN_TOKEN}\n`);
    const found = await runCli(["org", "create", "--name", "右江区芒果合作社", "--role", "producer"], { GATEWAY_URL: h.base, DATA_DIR: data });
    expect(found.exitCode, found.output).to.equal(0);
    expect(orgNamed("右江区芒果合作社")).to.deep.equal({ role: "producer" });
  });

  it("without an API key names --key, PROVENANCE_API_KEY and the gateway options (exit 2)", async function () {
    const { exitCode, stderr } = await runCli(["harvest", "record", "--data", "{}"], { GATEWAY_URL: h.base });
    expect(exitCode).to.equal(2);
    expect(stderr).to.contain("--key").and.to.contain("PROVENANCE_API_KEY").and.to.contain("GATEWAY_URL");
  });
});
