/**
 * The CLI's administration commands against a real gateway: organisations with credit codes and
 * contact details, listed; their API keys listed, rotated (the old key refused) and revoked; an
 * admin's reset, disable, enable and remove of members; a member's own password change.
 */
import { expect } from "chai";
import { runCli } from "../../server/cli";
import { creditCodeCheckChar } from "../../server/domain/credit-code";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "violet kettle marathon";
const CODE = "93451003MA5K3XYW1" + creditCodeCheckChar("93451003MA5K3XYW1");

describe("cli: administration", function () {
  this.timeout(120_000);
  let h: Harness;
  let env: Record<string, string>;

  before(async function () {
    h = await startHarness();
    env = { GATEWAY_URL: h.base, ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });

  after(async function () {
    await h?.stop();
  });

  const keyWorks = async (key: string) => (await h.call("GET", "/epcis/queries/SimpleEventQuery/subscriptions", { token: key })).status === 200;

  it("creates an organisation with its credit code and contact details, lists it, and refuses a bad code naming the field", async function () {
    const bad = await runCli(["org", "create", "--name", "田阳香芒合作社", "--role", "producer", "--credit-code", CODE.slice(0, 17) + (CODE[17] === "0" ? "1" : "0")], env);
    expect(bad.exitCode).to.equal(1);
    expect(bad.stderr).to.contain("creditCode");
    const made = await runCli(
      ["org", "create", "--name", "田阳香芒合作社", "--role", "producer", "--credit-code", CODE, "--contact-person", "黄社长", "--contact-phone", "0776-3212345", "--postal-address", "百色市田阳区"],
      env,
    );
    expect(made.exitCode, made.output).to.equal(0);
    expect(made.stdout).to.contain(`credit code: ${CODE}`);
    const twin = await runCli(["org", "create", "--name", "田阳香芒合作社", "--role", "producer"], env);
    expect(twin.exitCode).to.equal(1);
    expect(twin.stderr).to.contain("name");

    const list = await runCli(["org", "list"], env);
    expect(list.exitCode).to.equal(0);
    expect(list.stdout).to.contain(`田阳香芒合作社（${CODE}）`).and.to.contain("黄社长 · 0776-3212345 · 百色市田阳区");
    const json = await runCli(["org", "list", "--json"], env);
    expect(JSON.parse(json.stdout).orgs[0]).to.include({ creditCode: CODE, contactPerson: "黄社长" });
    expect((await runCli(["org", "list"], { GATEWAY_URL: h.base, ADMIN_TOKEN: "not the token" })).exitCode).to.equal(1);
  });

  it("rotates an organisation's API key (printed once; the old one refused), lists and revokes keys", async function () {
    const org = await h.org("乐业猕猴桃合作社", "producer");
    const rotated = await runCli(["org", "rotate-key", "--org", org.id, "--json"], env);
    expect(rotated.exitCode).to.equal(0);
    const { apiKey, id, revoked } = JSON.parse(rotated.stdout);
    expect(revoked).to.equal(1);
    expect(await keyWorks(org.apiKey)).to.equal(false);
    expect(await keyWorks(apiKey)).to.equal(true);
    const keys = await runCli(["org", "keys", "--org", org.id], env);
    expect(keys.stdout).to.contain(`${id}  made`).and.to.contain("live").and.to.contain("revoked");
    expect(keys.stdout).not.to.contain(apiKey);
    expect((await runCli(["org", "revoke-key", "--org", org.id, "--key", id], env)).exitCode).to.equal(0);
    expect(await keyWorks(apiKey)).to.equal(false);
    const again = await runCli(["org", "revoke-key", "--org", org.id, "--key", id], env);
    expect(again.exitCode).to.equal(1);
    expect((await runCli(["org", "rotate-key"], env)).exitCode, "no --org").to.equal(2);
  });

  it("resets, disables, enables and removes a member by username; the member changes its own password", async function () {
    const org = await h.org("百色分拣包装厂", "processor");
    await h.member(org.id, "baise.clerk", PASSWORD);
    const login = async (password: string) => (await new ConsoleClient(h.base).login("baise.clerk", password)).status;

    const weak = await runCli(["member", "reset-password", "--username", "baise.clerk"], { ...env, PROVENANCE_PASSWORD: "1111111111" });
    expect(weak.exitCode).to.equal(1);
    expect(weak.stderr).to.contain("password");
    expect((await runCli(["member", "reset-password", "--username", "baise.clerk"], { ...env, PROVENANCE_PASSWORD: NEW_PASSWORD })).exitCode).to.equal(0);
    expect(await login(NEW_PASSWORD)).to.equal(303);

    expect((await runCli(["member", "disable", "--username", "baise.clerk"], env)).exitCode).to.equal(0);
    expect(await login(NEW_PASSWORD)).to.equal(401);
    const listed = await runCli(["member", "list", "--org", org.id], env);
    expect(listed.stdout).to.match(/baise\.clerk .*DISABLED/);
    expect((await runCli(["member", "enable", "--username", "baise.clerk"], env)).exitCode).to.equal(0);
    expect(await login(NEW_PASSWORD)).to.equal(303);

    const wrong = await runCli(["member", "change-password", "--username", "baise.clerk"], { GATEWAY_URL: h.base, PROVENANCE_CURRENT_PASSWORD: "not it", PROVENANCE_PASSWORD: PASSWORD });
    expect(wrong.exitCode).to.equal(1);
    expect(wrong.stderr).to.contain("currentPassword");
    const own = await runCli(["member", "change-password", "--username", "baise.clerk"], { GATEWAY_URL: h.base, PROVENANCE_CURRENT_PASSWORD: NEW_PASSWORD, PROVENANCE_PASSWORD: PASSWORD });
    expect(own.exitCode, own.output).to.equal(0);
    expect(await login(PASSWORD)).to.equal(303);

    expect((await runCli(["member", "remove", "--username", "baise.clerk"], env)).exitCode).to.equal(0);

    const office = await runCli(["member", "create", "--programme", "--admin", "--username", "programme.admin"], { ...env, PROVENANCE_PASSWORD: PASSWORD });
    expect(office.exitCode, office.output).to.equal(0);
    expect(h.db.prepare(`SELECT programme, is_admin FROM members WHERE username = 'programme.admin'`).get()).to.deep.equal({ programme: 1, is_admin: 1 });
    const gone = await runCli(["member", "disable", "--username", "baise.clerk"], env);
    expect(gone.exitCode).to.equal(1);
    expect(gone.stderr).to.contain("no member baise.clerk");
  });
});
