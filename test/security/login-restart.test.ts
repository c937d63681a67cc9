/**
 * The console login against a gateway process (production scrypt cost) on an anvil of its own,
 * as an attacker and an admin would use it: the wait set by five failures from one address
 * holds across a restart of the gateway while the owner logs in from another address; the
 * admin's unlock (API and CLI) clears it; and guessable passwords are refused when a member is
 * created through the API and the CLI, saying why in both languages and naming the field.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { runCli } from "../../server/cli";
import { AddressClient, withoutToken } from "../../scripts/lib/address-client";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";

const PASSWORD = "correct horse battery";
const GUESSER = "127.0.0.2";
const OWNER = "127.0.0.3";

describe("console login against a gateway process: waits that survive a restart, unlock, password strength", function () {
  this.timeout(180_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "login-restart-"));
  let anvil: AnvilHandle;
  let gateway: GatewayProcess;
  let port: number;
  let orgId: string;

  const start = async () => {
    gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir });
  };
  const api = async (method: string, url: string, body?: unknown, token = ADMIN) => {
    const response = await fetch(`${gateway.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const cliEnv = () => ({ GATEWAY_URL: gateway.base, ADMIN_TOKEN: ADMIN });
  const guessFive = async (username: string) => {
    const guesser = new AddressClient(gateway.base, GUESSER);
    for (let i = 0; i < 5; i++) expect((await guesser.login(username, `wrong password ${i}`)).status).to.equal(401);
    guesser.close();
  };
  const loginFrom = async (address: string, username: string, password = PASSWORD) => {
    const client = new AddressClient(gateway.base, address);
    const answer = await client.login(username, password);
    client.close();
    return { ...answer, session: client.cookie("plc_session") };
  };

  before(async function () {
    anvil = await startAnvil({ port: await freePort() });
    port = await freePort();
    await start();
    orgId = (await api("POST", "/api/v1/orgs", { name: "田阳芒果专业合作社", role: "producer" })).body.id;
    for (const username of ["tianyang.admin", "tianyang.clerk"]) {
      expect((await api("POST", `/api/v1/orgs/${orgId}/members`, { username, password: PASSWORD })).status).to.equal(201);
    }
  });

  after(async function () {
    await gateway?.stop();
    await anvil?.stop();
  });

  it("keeps the wait of five failures from one address across a gateway restart, while the owner logs in from another", async function () {
    await guessFive("tianyang.admin");
    await gateway.stop();
    await start();
    const waiting = await loginFrom(GUESSER, "tianyang.admin"); // the right password, inside the wait
    const wrong = await loginFrom(OWNER, "tianyang.admin", "not the password");
    expect(waiting.status).to.equal(401);
    expect(waiting.session).to.equal(undefined);
    expect(withoutToken(waiting.text)).to.equal(withoutToken(wrong.text));
    const owner = await loginFrom(OWNER, "tianyang.admin");
    expect(owner.status).to.equal(303);
    expect(owner.session).to.be.a("string");
  });

  it("lets the admin unlock a member through the API (the id from the lookup by username), and nobody else", async function () {
    const member = await api("GET", "/api/v1/members?username=tianyang.admin");
    expect(member.status).to.equal(200);
    expect(member.body.username).to.equal("tianyang.admin");
    expect((await api("POST", `/api/v1/members/${member.body.id}/unlock`, undefined, "not-the-admin-token-0123456789")).status).to.equal(401);
    expect((await loginFrom(GUESSER, "tianyang.admin")).status, "still waiting").to.equal(401);
    const unlocked = await api("POST", `/api/v1/members/${member.body.id}/unlock`);
    expect(unlocked.status).to.equal(200);
    expect(unlocked.body).to.include({ id: member.body.id, username: "tianyang.admin" });
    expect(unlocked.body.cleared).to.be.at.least(1);
    expect((await loginFrom(GUESSER, "tianyang.admin")).status).to.equal(303);
    expect((await api("POST", "/api/v1/members/00000000-0000-4000-8000-000000000000/unlock")).status).to.equal(404);
  });

  it("lets the admin unlock a member with `member unlock --username`", async function () {
    await guessFive("tianyang.clerk");
    expect((await loginFrom(GUESSER, "tianyang.clerk")).status).to.equal(401);
    const { exitCode, stdout } = await runCli(["member", "unlock", "--username", "tianyang.clerk"], cliEnv());
    expect(exitCode).to.equal(0);
    expect(stdout).to.match(/^unlocked console member tianyang\.clerk \(\d+ failed-login counts? cleared\)/);
    expect((await loginFrom(GUESSER, "tianyang.clerk")).status).to.equal(303);
    const unknown = await runCli(["member", "unlock", "--username", "nobody.here"], cliEnv());
    expect(unknown.exitCode).to.equal(1);
  });

  it("refuses '1111111111' and a password equal to the username through the API, naming the field in both languages", async function () {
    for (const [username, password, zh] of [
      ["tianyang.ones", "1111111111", /^密码太容易被猜到（重复的字符/],
      ["tianyang.same", "tianyang.same", /^密码不能包含用户名$/],
    ] as const) {
      const answer = await api("POST", `/api/v1/orgs/${orgId}/members`, { username, password });
      expect(answer.status).to.equal(400);
      expect(answer.body.error.fields).to.have.length(1);
      expect(answer.body.error.fields[0].field).to.equal("password");
      expect(answer.body.error.fields[0].message).to.match(/password/);
      expect(answer.body.error.fields[0].zh).to.match(zh);
    }
  });

  it("refuses them through the CLI too, printing why in both languages", async function () {
    for (const [username, password] of [
      ["tianyang.ones", "1111111111"],
      ["tianyang.same", "tianyang.same"],
    ]) {
      const { exitCode, stderr } = await runCli(["member", "create", "--org", orgId, "--username", username], { ...cliEnv(), PROVENANCE_PASSWORD: password });
      expect(exitCode).to.equal(1);
      expect(stderr).to.match(/refused \(400\)/).and.to.match(/\n {2}password: .*password/).and.to.match(/\n {4}密码/);
    }
    const strong = await runCli(["member", "create", "--programme", "--username", "programme.office"], { ...cliEnv(), PROVENANCE_PASSWORD: PASSWORD });
    expect(strong.exitCode).to.equal(0);
  });
});
