/** Console accounts over HTTP: logging in and out, CSRF, lockout, and where each member may go. */
import { expect } from "chai";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";

const PASSWORD = "correct horse battery";

describe("console login", function () {
  this.timeout(60_000);
  let h: Harness;
  let producer: { id: string };

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    await h.member(producer.id, "tianyang.admin", PASSWORD, true);
    await h.member(producer.id, "tianyang.locked", PASSWORD);
    await h.member(null, "programme.office", PASSWORD);
  });

  after(async function () {
    await h?.stop();
  });

  it("sends a visitor without a session to the login page", async function () {
    const answer = await new ConsoleClient(h.base).get("/console/members");
    expect(answer.status).to.equal(303);
    expect(answer.location).to.equal("/console/login?next=%2Fconsole%2Fmembers");
  });

  it("logs a member in with an httpOnly SameSite session cookie, and out again", async function () {
    const client = new ConsoleClient(h.base);
    const answer = await client.login("tianyang.admin", PASSWORD);
    expect(answer.status).to.equal(303);
    expect(answer.location).to.equal("/console");
    const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith("plc_session="))!;
    expect(setCookie).to.match(/HttpOnly/i).and.to.match(/SameSite=Lax/i).and.to.match(/Path=\//);
    const sessionId = client.cookie("plc_session")!;
    const stored = h.db.prepare(`SELECT id_hash FROM sessions`).all() as { id_hash: string }[];
    expect(stored.map((s) => s.id_hash)).not.to.include(sessionId);

    const home = await client.get("/console");
    expect(home.status).to.equal(303);
    expect(home.location).to.equal("/console/batches");
    await client.get("/console/members"); // a page with the logout form, for the session's token
    const out = await client.post("/console/logout", {});
    expect(out.status).to.equal(303);
    expect((await client.get("/console")).location).to.match(/^\/console\/login/);
  });

  it("refuses a wrong password without saying whether the user exists", async function () {
    const wrong = await new ConsoleClient(h.base).login("tianyang.admin", "not the password");
    const nobody = await new ConsoleClient(h.base).login("nobody.here", "not the password");
    expect(wrong.status).to.equal(401);
    expect(nobody.status).to.equal(401);
    expect(wrong.text).to.contain("用户名或密码不对");
    expect(nobody.text).to.contain("用户名或密码不对");
  });

  it("refuses a login form without its CSRF token, and one with another visitor's", async function () {
    const client = new ConsoleClient(h.base);
    await client.get("/console/login");
    const missing = await client.post("/console/login", { username: "tianyang.admin", password: PASSWORD }, { csrf: null });
    expect(missing.status).to.equal(403);
    expect(missing.text).to.contain(`data-error="csrf"`);
    const other = new ConsoleClient(h.base);
    await other.get("/console/login");
    const foreign = await client.post("/console/login", { username: "tianyang.admin", password: PASSWORD }, { csrf: other.csrf });
    expect(foreign.status).to.equal(403);
    expect(client.cookie("plc_session")).to.equal(undefined);
  });

  it("refuses a logged-in member's form without the session's CSRF token", async function () {
    const client = new ConsoleClient(h.base);
    await client.login("tianyang.admin", PASSWORD);
    const answer = await client.post("/console/logout", {}, { csrf: "forged-token-forged-token-forged" });
    expect(answer.status).to.equal(403);
    expect((await client.get("/console/members")).status, "still logged in").to.equal(200);
  });

  it("locks an account after five failures, even against the right password, and says until when", async function () {
    const client = new ConsoleClient(h.base);
    for (let i = 0; i < 4; i++) expect((await client.login("tianyang.locked", "wrong password!")).status).to.equal(401);
    const fifth = await client.login("tianyang.locked", "wrong password!");
    expect(fifth.status).to.equal(423);
    expect(fifth.text).to.contain("账户已锁定");
    const right = await client.login("tianyang.locked", PASSWORD);
    expect(right.status).to.equal(423);
    expect(client.cookie("plc_session")).to.equal(undefined);
  });

  it("never follows a login's next= off the site", async function () {
    const client = new ConsoleClient(h.base);
    await client.get("/console/login?next=//evil.example/x");
    const answer = await client.post("/console/login", { username: "tianyang.admin", password: PASSWORD, next: "//evil.example/x" });
    expect(answer.location).to.equal("/console");
  });

  it("keeps a programme office member out of an organisation's console, and a cooperative out of the programme view", async function () {
    const office = new ConsoleClient(h.base);
    await office.login("programme.office", PASSWORD);
    expect((await office.get("/console")).location).to.equal("/programme");
    const coop = new ConsoleClient(h.base);
    await coop.login("tianyang.admin", PASSWORD);
    expect((await coop.get("/programme")).status).to.be.oneOf([403, 404]);
  });

  it("lets an organisation's admin member add members, and no one else", async function () {
    const admin = new ConsoleClient(h.base);
    await admin.login("tianyang.admin", PASSWORD);
    await admin.get("/console/members");
    const bad = await admin.post("/console/members", { username: "a", password: "short" });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain(`data-field="username"`).and.to.match(/class="field-error"/);
    const added = await admin.post("/console/members", { displayName: "黄大姐", username: "tianyang.huang", password: PASSWORD });
    expect(added.status).to.equal(303);
    expect((await admin.get(added.location!)).text).to.contain("黄大姐");
    const plain = new ConsoleClient(h.base);
    expect((await plain.login("tianyang.huang", PASSWORD)).status).to.equal(303);
    expect((await plain.get("/console/members")).status).to.equal(403);
  });

  it("refuses bad member input through the API, naming the field", async function () {
    for (const [body, field] of [
      [{ username: "x", password: PASSWORD }, "username"],
      [{ username: "tianyang.short", password: "short" }, "password"],
      [{ username: "tianyang.admin", password: PASSWORD }, "username"],
    ] as const) {
      const answer = await h.call("POST", `/api/v1/orgs/${producer.id}/members`, { token: "test-admin-token-0123456789abcdef", body });
      expect(answer.status).to.be.oneOf([400, 409]);
      expect(answer.body.error.fields[0].field).to.equal(field);
    }
  });
});
