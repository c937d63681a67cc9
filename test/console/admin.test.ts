/**
 * Administration over HTTP: organisations with their 统一社会信用代码 and contact details and the
 * name rule; the admin token's console sign-in and the first-run setup of the programme
 * office's admin; creating organisations with their first admin in the console; an admin's work
 * on members (reset, disable, enable, remove, unlock) and a member's own password change; API
 * keys rotated and revoked in the console and the API. Real gateway, real SQLite, real chain.
 */
import { expect } from "chai";
import { AddressClient } from "../../scripts/lib/address-client";
import { creditCodeCheckChar } from "../../server/domain/credit-code";
import { ConsoleClient, errorBeside } from "../helpers/console-client";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "violet kettle marathon";
/** Real-format codes (a 农民专业合作社 9 3…, a company 9 1…), their check characters computed. */
const withCheck = (first17: string) => first17 + creditCodeCheckChar(first17);
const CODE_A = withCheck("93451003MA5K3XYW1");
const CODE_B = withCheck("93451028MA5L7QRT2");
const CODE_C = withCheck("91440300MA5FT2AB1");

describe("administration", function () {
  this.timeout(120_000);
  let h: Harness;

  before(async function () {
    h = await startHarness();
  });

  after(async function () {
    await h?.stop();
  });

  /** An organisation's API key still opens its own routes (its EPCIS subscriptions). */
  const keyWorks = async (key: string) => (await h.call("GET", "/epcis/queries/SimpleEventQuery/subscriptions", { token: key })).status === 200;

  describe("organisations' details and names (API)", function () {
    it("keeps the credit code and contact details, and refuses a wrong check character naming creditCode", async function () {
      const wrongLast = CODE_A.slice(0, 17) + (CODE_A[17] === "0" ? "1" : "0");
      const bad = await h.call("POST", "/api/v1/orgs", { token: TEST_ADMIN_TOKEN, body: { name: "田阳香芒合作社", role: "producer", creditCode: wrongLast } });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.fields[0]).to.include({ field: "creditCode" });
      expect(bad.body.error.fields[0].zh).to.contain("校验位");
      expect(h.db.prepare(`SELECT count(*) AS n FROM orgs WHERE name = ?`).get("田阳香芒合作社")).to.deep.equal({ n: 0 });

      const made = await h.call("POST", "/api/v1/orgs", {
        token: TEST_ADMIN_TOKEN,
        body: { name: "田阳香芒合作社", role: "producer", creditCode: CODE_A.toLowerCase(), contact: { person: "黄社长", phone: "0776-3212345", address: "百色市田阳区那坡镇" } },
      });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      expect(made.body.creditCode).to.equal(CODE_A);
      const list = await h.call("GET", "/api/v1/orgs", { token: TEST_ADMIN_TOKEN });
      expect(list.body.orgs.find((o: { id: string }) => o.id === made.body.id)).to.include({
        creditCode: CODE_A,
        contactPerson: "黄社长",
        contactPhone: "0776-3212345",
        postalAddress: "百色市田阳区那坡镇",
      });
      expect((await h.call("GET", "/api/v1/orgs")).status, "the list needs the admin token").to.equal(401);
    });

    it("lets two organisations share a name only when both carry (different) credit codes", async function () {
      const create = (body: object) => h.call("POST", "/api/v1/orgs", { token: TEST_ADMIN_TOKEN, body: { role: "producer", ...body } });
      expect((await create({ name: "凌云茶叶合作社" })).status).to.equal(201);
      const again = await create({ name: "凌云茶叶合作社" });
      expect(again.status).to.equal(409);
      expect(again.body.error.fields[0].field).to.equal("name");
      const withCode = await create({ name: "凌云茶叶合作社", creditCode: CODE_B });
      expect(withCode.status, "the namesake has no code to tell them apart").to.equal(409);
      expect(withCode.body.error.fields[0].field).to.equal("name");

      expect((await create({ name: "乐业猕猴桃合作社", creditCode: CODE_B })).status).to.equal(201);
      expect((await create({ name: "乐业猕猴桃合作社", creditCode: CODE_C })).status).to.equal(201);
      const sameCode = await create({ name: "乐业另一合作社", creditCode: CODE_C });
      expect(sameCode.status).to.equal(409);
      expect(sameCode.body.error.fields[0].field).to.equal("creditCode");
    });

    it("shows the code beside the name in the certifier's producer picker", async function () {
      const certifier = await h.org("深圳市标准技术研究院", "certifier");
      const member = await h.member(certifier.id, "szbiaozhun.clerk", PASSWORD);
      const client = new ConsoleClient(h.base);
      await client.login(member.username, PASSWORD);
      const page = await client.get("/console/certifications/product-line");
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(`乐业猕猴桃合作社（${CODE_B}）`).and.to.contain(`乐业猕猴桃合作社（${CODE_C}）`);
    });
  });

  describe("the admin pages (/console/admin)", function () {
    it("offers the first-run setup while the programme office has no admin, and only with the admin token", async function () {
      const visitor = new ConsoleClient(h.base);
      const first = await visitor.get("/console/admin");
      expect(first.status).to.equal(200);
      expect(first.text).to.contain('data-section="setup"');

      const noToken = await visitor.post("/console/admin/setup", { token: "not the token", username: "programme.admin", password: PASSWORD });
      expect(noToken.status).to.equal(401);
      expect(errorBeside(noToken.text, "token")).to.equal("管理令牌不对。");
      const weak = await visitor.post("/console/admin/setup", { token: TEST_ADMIN_TOKEN, username: "programme.admin", password: "1111111111" });
      expect(weak.status).to.equal(400);
      expect(errorBeside(weak.text, "password")).to.match(/^密码太容易被猜到/);
      expect(h.db.prepare(`SELECT count(*) AS n FROM members`).get()).to.deep.equal({ n: 1 }, "nothing but the certifier's clerk");

      const done = await visitor.post("/console/admin/setup", { token: TEST_ADMIN_TOKEN, username: "programme.admin", displayName: "项目办管理员", password: PASSWORD });
      expect(done.status).to.equal(303);
      expect(done.location).to.equal("/console/admin/orgs");
      expect(h.db.prepare(`SELECT programme, is_admin FROM members WHERE username = 'programme.admin'`).get()).to.deep.equal({ programme: 1, is_admin: 1 });
      const orgs = await visitor.get("/console/admin/orgs");
      expect(orgs.status).to.equal(200);
      expect(orgs.text).to.contain(CODE_A).and.to.contain("黄社长");

      const closed = new ConsoleClient(h.base);
      expect((await closed.get("/console/admin")).text).not.to.contain('data-section="setup"');
      const late = await closed.post("/console/admin/setup", { token: TEST_ADMIN_TOKEN, username: "programme.second", password: PASSWORD });
      expect(late.status).to.equal(409);
      expect(h.db.prepare(`SELECT count(*) AS n FROM members WHERE username = 'programme.second'`).get()).to.deep.equal({ n: 0 });
    });

    it("signs in with the admin token in a form (its own httpOnly cookie, the token in no address), and out", async function () {
      const admin = new ConsoleClient(h.base);
      await admin.get("/console/admin");
      const wrong = await admin.post("/console/admin/login", { token: "guess" });
      expect(wrong.status).to.equal(401);
      const right = await admin.post("/console/admin/login", { token: TEST_ADMIN_TOKEN });
      expect(right.status).to.equal(303);
      expect(right.location).to.equal("/console/admin/orgs");
      expect(right.location).not.to.contain(TEST_ADMIN_TOKEN);
      const cookie = right.headers.getSetCookie().find((c) => c.startsWith("plc_admin="))!;
      expect(cookie).to.match(/HttpOnly/i).and.not.to.contain(TEST_ADMIN_TOKEN);
      const page = await admin.get("/console/admin/orgs");
      expect(page.status).to.equal(200);
      expect(page.text).to.contain('action="/console/admin/orgs"');
      expect(page.text).not.to.contain(TEST_ADMIN_TOKEN);

      const noCsrf = await admin.post("/console/admin/orgs", { name: "x" }, { csrf: null });
      expect(noCsrf.status).to.equal(403);
      expect((await admin.post("/console/admin/logout", {})).status).to.equal(303);
      expect((await admin.get("/console/admin/orgs")).location).to.equal("/console/admin");
    });

    it("creates an organisation with its details and first admin (the API key shown once), checking everything first", async function () {
      const admin = new ConsoleClient(h.base);
      await admin.login("programme.admin", PASSWORD);
      await admin.get("/console/admin/orgs");
      const fields = {
        name: "巴马香猪合作社",
        role: "producer",
        creditCode: withCheck("93451028MA5M2BMX3"),
        contactPerson: "韦主任",
        contactPhone: "0778-6212345",
        postalAddress: "河池市巴马瑶族自治县",
        adminDisplayName: "韦主任",
        adminUsername: "bama.admin",
        adminPassword: PASSWORD,
      };
      const orgsBefore = (h.db.prepare(`SELECT count(*) AS n FROM orgs`).get() as { n: number }).n;
      const badCode = await admin.post("/console/admin/orgs", { ...fields, creditCode: "93451028MA5M2BMX" });
      expect(badCode.status).to.equal(400);
      expect(errorBeside(badCode.text, "creditCode")).to.equal("统一社会信用代码须为 18 位");
      const weak = await admin.post("/console/admin/orgs", { ...fields, adminPassword: "1111111111" });
      expect(weak.status).to.equal(400);
      expect(errorBeside(weak.text, "adminPassword")).to.match(/^密码太容易被猜到/);
      const taken = await admin.post("/console/admin/orgs", { ...fields, adminUsername: "programme.admin" });
      expect(taken.status).to.equal(409);
      expect(errorBeside(taken.text, "adminUsername")).to.equal("这个用户名已被使用");
      expect((h.db.prepare(`SELECT count(*) AS n FROM orgs`).get() as { n: number }).n, "nothing made").to.equal(orgsBefore);

      const made = await admin.post("/console/admin/orgs", fields);
      expect(made.status).to.equal(201);
      const apiKey = /data-api-key>([^<]+)</.exec(made.text)![1];
      expect(apiKey).to.match(/^plk_/);
      expect(await keyWorks(apiKey)).to.equal(true);
      expect(h.db.prepare(`SELECT credit_code, contact_person FROM orgs WHERE name = '巴马香猪合作社'`).get()).to.deep.equal({
        credit_code: fields.creditCode,
        contact_person: "韦主任",
      });
      const list = await admin.get("/console/admin/orgs");
      expect(list.text).to.contain(fields.creditCode).and.not.to.contain(apiKey);
      const coop = new ConsoleClient(h.base);
      expect((await coop.login("bama.admin", PASSWORD)).status).to.equal(303);
      expect((await coop.get("/console/members")).status).to.equal(200);
    });

    it("shows the programme office's other members the list without the form, and nobody else the list", async function () {
      await h.member(null, "programme.viewer", PASSWORD);
      const viewer = new ConsoleClient(h.base);
      await viewer.login("programme.viewer", PASSWORD);
      const list = await viewer.get("/console/admin/orgs");
      expect(list.status).to.equal(200);
      expect(list.text).to.contain("巴马香猪合作社").and.not.to.contain('action="/console/admin/orgs"');
      expect((await viewer.post("/console/admin/orgs", { name: "x", role: "producer" })).status).to.equal(403);

      const coop = new ConsoleClient(h.base);
      await coop.login("bama.admin", PASSWORD);
      expect((await coop.get("/console/admin/orgs")).location).to.equal("/console/admin");
      await coop.get("/console/members");
      expect((await coop.post("/console/admin/orgs", { name: "x", role: "producer" })).status).to.equal(403);
    });
  });

  describe("an organisation's admin over its members and keys (console)", function () {
    let org: { id: string; apiKey: string };
    let admin: ConsoleClient;
    const idOf = (username: string) => (h.db.prepare(`SELECT id FROM members WHERE username = ?`).get(username) as { id: string }).id;

    before(async function () {
      org = await h.org("百色分拣包装厂", "processor");
      await h.member(org.id, "baise.admin", PASSWORD, true);
      await h.member(org.id, "baise.clerk", PASSWORD);
      admin = new ConsoleClient(h.base);
      await admin.login("baise.admin", PASSWORD);
    });

    it("resets a member's password (policy checked), ending its sessions", async function () {
      const clerk = new ConsoleClient(h.base);
      await clerk.login("baise.clerk", PASSWORD);
      await admin.get("/console/members");
      const weak = await admin.post(`/console/members/${idOf("baise.clerk")}/password`, { password: "1111111111" });
      expect(weak.status).to.equal(400);
      expect(weak.text).to.match(/class="field-error" role="alert">密码太容易被猜到/);
      const reset = await admin.post(`/console/members/${idOf("baise.clerk")}/password`, { password: NEW_PASSWORD });
      expect(reset.status).to.equal(303);
      expect((await clerk.get("/console")).location, "the clerk's session ended").to.match(/^\/console\/login/);
      expect((await new ConsoleClient(h.base).login("baise.clerk", PASSWORD)).status).to.equal(401);
      expect((await new ConsoleClient(h.base).login("baise.clerk", NEW_PASSWORD)).status).to.equal(303);
    });

    it("disables a member (no login, even with the right password) and enables it again", async function () {
      await admin.get("/console/members");
      expect((await admin.post(`/console/members/${idOf("baise.clerk")}/disable`, {})).status).to.equal(303);
      expect((await admin.get("/console/members")).text).to.match(/data-member="baise.clerk"[\s\S]*?data-status="disabled"/);
      expect((await new ConsoleClient(h.base).login("baise.clerk", NEW_PASSWORD)).status).to.equal(401);
      expect((await admin.post(`/console/members/${idOf("baise.clerk")}/enable`, {})).status).to.equal(303);
      expect((await new ConsoleClient(h.base).login("baise.clerk", NEW_PASSWORD)).status).to.equal(303);
    });

    it("unlocks a member a guesser made wait", async function () {
      const guesser = new AddressClient(h.base, "127.0.0.3");
      for (let i = 0; i < 8; i++) expect((await guesser.login("baise.clerk", `wrong ${i}`)).status).to.equal(401);
      expect((await guesser.login("baise.clerk", NEW_PASSWORD)).status, "waiting").to.equal(401);
      await admin.get("/console/members");
      const unlocked = await admin.post(`/console/members/${idOf("baise.clerk")}/unlock`, {});
      expect(unlocked.status).to.equal(303);
      expect((await guesser.login("baise.clerk", NEW_PASSWORD)).status).to.equal(303);
      guesser.close();
    });

    it("refuses another organisation's member and disabling itself, and removes a member", async function () {
      await admin.get("/console/members");
      const other = await admin.post(`/console/members/${idOf("bama.admin")}/disable`, {});
      expect(other.status).to.equal(404);
      const self = await admin.post(`/console/members/${idOf("baise.admin")}/disable`, {});
      expect(self.status).to.equal(403);
      expect(self.text).to.contain("不能停用自己的账号");
      const removed = await admin.post(`/console/members/${idOf("baise.clerk")}/remove`, {});
      expect(removed.status).to.equal(303);
      expect(h.db.prepare(`SELECT count(*) AS n FROM members WHERE username = 'baise.clerk'`).get()).to.deep.equal({ n: 0 });
      expect((await h.call("GET", "/api/v1/members?username=bama.admin", { token: TEST_ADMIN_TOKEN })).body.disabled).to.equal(false);
    });

    it("rotates the organisation's API key (the new one shown once; the old refused) and revokes a key", async function () {
      expect(await keyWorks(org.apiKey)).to.equal(true);
      await admin.get("/console/members");
      const rotated = await admin.post("/console/members/api-keys/rotate", {});
      expect(rotated.status).to.equal(201);
      const newKey = /data-api-key>([^<]+)</.exec(rotated.text)![1];
      expect(await keyWorks(org.apiKey), "the old key").to.equal(false);
      expect(await keyWorks(newKey)).to.equal(true);
      expect((await admin.get("/console/members")).text).not.to.contain(newKey);
      const keys = (await h.call("GET", `/api/v1/orgs/${org.id}/api-keys`, { token: TEST_ADMIN_TOKEN })).body.keys as Array<{ id: string; revokedAt: string | null }>;
      const live = keys.filter((k) => k.revokedAt === null);
      expect(live).to.have.length(1);
      const revoked = await admin.post(`/console/members/api-keys/${live[0].id}/revoke`, {});
      expect(revoked.status).to.equal(303);
      expect(await keyWorks(newKey)).to.equal(false);
    });

    it("lets a member change its own password: the current one checked, the policy in Chinese, then a new login", async function () {
      const self = new ConsoleClient(h.base);
      await self.login("baise.admin", PASSWORD);
      await self.get("/console/password");
      const wrong = await self.post("/console/password", { currentPassword: "not it at all", newPassword: NEW_PASSWORD, newPasswordAgain: NEW_PASSWORD });
      expect(wrong.status).to.equal(400);
      expect(errorBeside(wrong.text, "currentPassword")).to.match(/^当前密码不对/);
      const weak = await self.post("/console/password", { currentPassword: PASSWORD, newPassword: "1111111111", newPasswordAgain: "1111111111" });
      expect(errorBeside(weak.text, "newPassword")).to.match(/^密码太容易被猜到/);
      const differ = await self.post("/console/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, newPasswordAgain: "something else" });
      expect(errorBeside(differ.text, "newPasswordAgain")).to.equal("两次输入的新密码不一样");
      const changed = await self.post("/console/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, newPasswordAgain: NEW_PASSWORD });
      expect(changed.status).to.equal(200);
      expect(changed.text).to.contain('data-done="password"');
      expect((await admin.get("/console")).location, "every session of the member ended").to.match(/^\/console\/login/);
      expect((await new ConsoleClient(h.base).login("baise.admin", NEW_PASSWORD)).status).to.equal(303);
    });
  });

  describe("the same through the API", function () {
    it("resets, disables, enables and removes members with the admin token, and nothing without it", async function () {
      const org = await h.org("顺丰冷运", "carrier");
      const member = await h.member(org.id, "sf.driver", PASSWORD);
      for (const [path, body] of [
        [`/api/v1/members/${member.id}/password`, { password: NEW_PASSWORD }],
        [`/api/v1/members/${member.id}/disable`, undefined],
        [`/api/v1/members/${member.id}/remove`, undefined],
      ] as const) {
        expect((await h.call("POST", path, { body })).status, path).to.equal(401);
        expect((await h.call("POST", path, { token: org.apiKey, body })).status, path).to.equal(401);
      }
      const weak = await h.call("POST", `/api/v1/members/${member.id}/password`, { token: TEST_ADMIN_TOKEN, body: { password: "1111111111" } });
      expect(weak.status).to.equal(400);
      expect(weak.body.error.fields[0]).to.include({ field: "password" });
      expect((await h.call("POST", `/api/v1/members/${member.id}/password`, { token: TEST_ADMIN_TOKEN, body: { password: NEW_PASSWORD } })).status).to.equal(200);
      expect((await h.call("POST", `/api/v1/members/${member.id}/disable`, { token: TEST_ADMIN_TOKEN })).body.disabled).to.equal(true);
      expect((await new ConsoleClient(h.base).login("sf.driver", NEW_PASSWORD)).status).to.equal(401);
      expect((await h.call("POST", `/api/v1/members/${member.id}/enable`, { token: TEST_ADMIN_TOKEN })).body.disabled).to.equal(false);
      const listed = await h.call("GET", `/api/v1/orgs/${org.id}/members`, { token: TEST_ADMIN_TOKEN });
      expect(listed.body.members.map((m: { username: string }) => m.username)).to.deep.equal(["sf.driver"]);

      const own = await h.call("POST", "/api/v1/members/password", { body: { username: "sf.driver", currentPassword: "wrong one", newPassword: PASSWORD } });
      expect(own.status).to.equal(400);
      expect(own.body.error.fields[0]).to.include({ field: "currentPassword" });
      expect((await h.call("POST", "/api/v1/members/password", { body: { username: "sf.driver", currentPassword: NEW_PASSWORD, newPassword: PASSWORD } })).status).to.equal(200);

      expect((await h.call("POST", `/api/v1/members/${member.id}/remove`, { token: TEST_ADMIN_TOKEN })).status).to.equal(200);
      expect((await h.call("GET", "/api/v1/members?username=sf.driver", { token: TEST_ADMIN_TOKEN })).status).to.equal(404);
    });

    it("rotates an organisation's key by the admin token or by the organisation itself, and revokes by id", async function () {
      const org = await h.org("福田区消费帮扶专柜", "retailer");
      const byAdmin = await h.call("POST", `/api/v1/orgs/${org.id}/api-keys`, { token: TEST_ADMIN_TOKEN });
      expect(byAdmin.status).to.equal(201);
      expect(byAdmin.body.revoked).to.equal(1);
      expect(await keyWorks(org.apiKey)).to.equal(false);
      const bySelf = await h.call("POST", "/api/v1/org/api-keys", { token: byAdmin.body.apiKey });
      expect(bySelf.status).to.equal(201);
      expect(await keyWorks(byAdmin.body.apiKey)).to.equal(false);
      expect(await keyWorks(bySelf.body.apiKey)).to.equal(true);
      const revoke = await h.call("POST", `/api/v1/orgs/${org.id}/api-keys/${bySelf.body.id}/revoke`, { token: TEST_ADMIN_TOKEN });
      expect(revoke.status).to.equal(200);
      expect(revoke.body.revokedAt).to.be.a("string");
      expect(await keyWorks(bySelf.body.apiKey)).to.equal(false);
      const again = await h.call("POST", `/api/v1/orgs/${org.id}/api-keys/${bySelf.body.id}/revoke`, { token: TEST_ADMIN_TOKEN });
      expect(again.status).to.equal(404);
      expect(again.body.error.fields[0].field).to.equal("keyId");
    });

    it("documents the new routes in OpenAPI", async function () {
      const { body } = await h.call("GET", "/api/v1/openapi.json");
      for (const path of ["/api/v1/orgs/{orgId}/api-keys", "/api/v1/org/api-keys", "/api/v1/members/{memberId}/password", "/api/v1/members/{memberId}/remove", "/api/v1/members/password"]) {
        expect(body.paths, path).to.have.property(path);
      }
      expect(body.paths["/api/v1/orgs"]).to.have.keys("get", "post");
    });
  });
});
