/**
 * Console accounts over HTTP: logging in and out, CSRF (the login form's token bound by the
 * server), the throttle that slows a guesser down without locking the owner out, and where
 * each member may go. The gateway trusts no proxy header, so clients on other loopback
 * addresses (AddressClient) play other machines.
 */
import { expect } from "chai";
import { AddressClient, withoutToken } from "../../scripts/lib/address-client";
import { ConsoleClient, errorBeside } from "../helpers/console-client";
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
    await h.member(producer.id, "tianyang.clerk", PASSWORD);
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

  it("refuses a login whose CSRF token the server did not issue, even when the cookie and the field agree", async function () {
    const post = (cookie: string, token: string) =>
      fetch(`${h.base}/console/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `plc_login_csrf=${cookie}` },
        body: new URLSearchParams({ _csrf: token, username: "tianyang.admin", password: PASSWORD }),
      });
    // A value of the attacker's choosing, planted as the cookie and sent as the field.
    const chosen = await post("attacker-chosen-token-0123456789", "attacker-chosen-token-0123456789");
    expect(chosen.status).to.equal(403);
    expect(chosen.headers.getSetCookie().some((c) => c.startsWith("plc_session="))).to.equal(false);
    // A real visitor's cookie, with that cookie's own value as the token.
    const visitor = new ConsoleClient(h.base);
    await visitor.get("/console/login");
    const nonce = visitor.cookie("plc_login_csrf")!;
    const echoed = await post(nonce, nonce);
    expect(echoed.status).to.equal(403);
    // The token the server issued for that cookie is the one that works.
    expect((await post(nonce, visitor.csrf!)).status).to.equal(303);
  });

  it("refuses a logged-in member's form without the session's CSRF token", async function () {
    const client = new ConsoleClient(h.base);
    await client.login("tianyang.admin", PASSWORD);
    const answer = await client.post("/console/logout", {}, { csrf: "forged-token-forged-token-forged" });
    expect(answer.status).to.equal(403);
    expect((await client.get("/console/members")).status, "still logged in").to.equal(200);
  });

  it("answers an unknown name, a wrong password and a name that must wait alike: 401, the same page, the same words", async function () {
    const guesser = new AddressClient(h.base, "127.0.0.2");
    for (let i = 0; i < 5; i++) expect((await guesser.login("tianyang.clerk", `wrong password ${i}`)).status).to.equal(401);
    const waiting = await guesser.login("tianyang.clerk", PASSWORD); // the right password, inside the wait
    const wrong = await new AddressClient(h.base, "127.0.0.3").login("tianyang.clerk", "wrong password");
    const unknown = await new AddressClient(h.base, "127.0.0.4").login("nobody.at.all", "wrong password");
    const page = (answer: { text: string }) => withoutToken(answer.text).replace(/tianyang\.clerk|nobody\.at\.all/g, "NAME");
    expect([waiting.status, wrong.status, unknown.status]).to.deep.equal([401, 401, 401]);
    expect(page(waiting)).to.equal(page(wrong));
    expect(page(unknown)).to.equal(page(wrong));
    expect(wrong.text).to.contain("用户名或密码不对");
    expect(guesser.cookie("plc_session"), "no session inside the wait").to.equal(undefined);
  });

  it("five and more failures from one address do not stop the owner logging in from another", async function () {
    const guesser = new AddressClient(h.base, "127.0.0.5");
    for (let i = 0; i < 8; i++) expect((await guesser.login("tianyang.locked", `wrong password ${i}`)).status).to.equal(401);
    const owner = new AddressClient(h.base, "127.0.0.6");
    const answer = await owner.login("tianyang.locked", PASSWORD);
    expect(answer.status).to.equal(303);
    expect(answer.location).to.equal("/console");
    expect(owner.cookie("plc_session")).to.be.a("string");
    // The guesser itself must wait, whatever it sends.
    expect((await guesser.login("tianyang.locked", PASSWORD)).status).to.equal(401);
    expect(guesser.cookie("plc_session")).to.equal(undefined);
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
    const guessable = await admin.post("/console/members", { displayName: "黄大姐", username: "tianyang.huang", password: "1111111111" });
    expect(guessable.status).to.equal(400);
    expect(errorBeside(guessable.text, "password")).to.match(/^密码太容易被猜到（.+）/);
    const named = await admin.post("/console/members", { displayName: "黄大姐", username: "tianyang.huang", password: "Tianyang.Huang-2026!" });
    expect(named.status).to.equal(400);
    expect(errorBeside(named.text, "password")).to.equal("密码不能包含用户名");
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
      [{ username: "tianyang.weak", password: "1111111111" }, "password"],
      [{ username: "tianyang.same", password: "tianyang.same" }, "password"],
      [{ username: "tianyang.pass", password: "P@ssw0rd2026" }, "password"],
      [{ username: "tianyang.disp", displayName: "Huang Dajie", password: "huangdajie and mango" }, "password"],
    ] as const) {
      const answer = await h.call("POST", `/api/v1/orgs/${producer.id}/members`, { token: "test-admin-token-0123456789abcdef", body });
      expect(answer.status).to.be.oneOf([400, 409]);
      expect(answer.body.error.fields[0].field).to.equal(field);
    }
  });
});
