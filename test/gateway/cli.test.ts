import { expect } from "chai";
import { runCli } from "../../server/cli";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { freePort } from "../helpers/processes";

describe("cli: org create", function () {
  let h: Harness;
  let env: Record<string, string>;

  before(async function () {
    h = await startHarness();
    env = { GATEWAY_URL: h.base, ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });

  after(async function () {
    await h?.stop();
  });

  it("creates an organisation and prints its API key once (exit 0)", async function () {
    const { exitCode, output } = await runCli(["org", "create", "--name", "乐业猕猴桃合作社", "--role", "producer"], env);
    expect(exitCode).to.equal(0);
    expect(output).to.match(/API key: {2}plk_/);
    const row = h.db.prepare(`SELECT role FROM orgs WHERE name = ?`).get("乐业猕猴桃合作社");
    expect(row).to.deep.equal({ role: "producer" });
  });

  it("prints JSON with --json", async function () {
    const { exitCode, output } = await runCli(["org", "create", "--name", "巴马香猪合作社", "--role", "producer", "--json"], env);
    expect(exitCode).to.equal(0);
    expect(JSON.parse(output)).to.include.keys("id", "address", "apiKey");
  });

  it("exits 1 naming the field when the gateway refuses", async function () {
    const { exitCode, output } = await runCli(["org", "create", "--name", "x", "--role", "farmer"], env);
    expect(exitCode).to.equal(1);
    expect(output).to.match(/role:/);
  });

  it("exits 2 on bad usage and 3 when the gateway cannot be reached", async function () {
    expect((await runCli(["org", "create", "--name", "x"], env)).exitCode).to.equal(2);
    expect((await runCli(["batch", "delete"], env)).exitCode).to.equal(2);
    const nowhere = { ...env, GATEWAY_URL: `http://127.0.0.1:${await freePort()}` };
    expect((await runCli(["org", "create", "--name", "x", "--role", "producer"], nowhere)).exitCode).to.equal(3);
  });
});
