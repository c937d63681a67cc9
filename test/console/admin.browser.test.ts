/**
 * Administration in a real browser (Chromium, a 360 x 740 phone): the first-run setup of the
 * programme office's admin, who creates a cooperative with its 统一社会信用代码 and first admin;
 * that admin signs in on another phone, adds a member, resets its password, disables and
 * re-enables it, lifts the waits a guesser caused, and rotates the cooperative's API key: the
 * old key is refused from then on. Screenshots go to test-results/, named by the test.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { AddressClient } from "../../scripts/lib/address-client";
import { creditCodeCheckChar } from "../../server/domain/credit-code";
import { launchBrowser, phoneContext, screenshot, watchedPage } from "../helpers/browser";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";

const PASSWORD = "correct horse battery";
const CLERK_PASSWORD = "amber lantern orchard";
const NEW_PASSWORD = "violet kettle marathon";
const CODE = "93451003MA5K3XYW1" + creditCodeCheckChar("93451003MA5K3XYW1");

describe("administration in a real browser (Chromium, 360 px phone)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let office: BrowserContext;
  let coop: BrowserContext;
  let h: Harness;

  before(async function () {
    browser = await launchBrowser();
    h = await startHarness();
    office = await phoneContext(browser, { locale: "zh-CN" });
    coop = await phoneContext(browser, { locale: "zh-CN" });
  });

  after(async function () {
    await office?.close();
    await coop?.close();
    await browser?.close();
    await h?.stop();
  });

  /** Clicks and waits for the page the click loads. */
  async function clickAndLoad(page: Page, selector: string): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.locator(selector).click()]);
    return response?.status() ?? 0;
  }

  const keyWorks = async (key: string) => (await h.call("GET", "/epcis/queries/SimpleEventQuery/subscriptions", { token: key })).status === 200;
  const logsIn = async (username: string, password: string) => (await new ConsoleClient(h.base).login(username, password)).status === 303;

  it("sets up the programme admin, creates a cooperative, and its admin manages members and rotates the key", async function () {
    // The programme office, first run.
    const w = await watchedPage(office);
    expect((await w.goto(`${h.base}/console/admin`)).status()).to.equal(200);
    const setup = 'section[data-section="setup"]';
    await w.page.fill(`${setup} input[name="token"]`, TEST_ADMIN_TOKEN);
    await w.page.fill(`${setup} input[name="displayName"]`, "项目办管理员");
    await w.page.fill(`${setup} input[name="username"]`, "programme.admin");
    await w.page.fill(`${setup} input[name="password"]`, PASSWORD);
    await screenshot(w.page, this.test!.title, "setup");
    expect(await clickAndLoad(w.page, `${setup} button[type="submit"]`)).to.equal(200);
    expect(new URL(w.page.url()).pathname).to.equal("/console/admin/orgs");
    expect(w.page.url()).not.to.contain(TEST_ADMIN_TOKEN);

    // A cooperative with its credit code, contact and first admin.
    await w.page.fill('input[name="name"]', "田阳香芒合作社");
    await w.page.selectOption('select[name="role"]', "producer");
    await w.page.fill('input[name="creditCode"]', CODE);
    await w.page.fill('input[name="contactPerson"]', "黄社长");
    await w.page.fill('input[name="contactPhone"]', "0776-3212345");
    await w.page.fill('input[name="postalAddress"]', "百色市田阳区那坡镇");
    await w.page.fill('input[name="adminDisplayName"]', "黄社长");
    await w.page.fill('input[name="adminUsername"]', "tianyang.admin");
    await w.page.fill('input[name="adminPassword"]', PASSWORD);
    expect(await clickAndLoad(w.page, 'form[action="/console/admin/orgs"] button[type="submit"]')).to.equal(201);
    const oldKey = (await w.page.locator("[data-api-key]").innerText()).trim();
    expect(oldKey).to.match(/^plk_/);
    expect(await keyWorks(oldKey)).to.equal(true);
    await screenshot(w.page, this.test!.title, "created");
    await w.goto(`${h.base}/console/admin/orgs`);
    expect(await w.page.locator('table[data-table="orgs"]').innerText()).to.contain(CODE).and.to.contain("黄社长");
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);

    // The cooperative's admin, on its own phone.
    const c = await watchedPage(coop);
    await c.goto(`${h.base}/console/login`);
    await c.page.fill('input[name="username"]', "tianyang.admin");
    await c.page.fill('input[name="password"]', PASSWORD);
    expect(await clickAndLoad(c.page, 'form[action="/console/login"] button[type="submit"]')).to.equal(200);
    await c.goto(`${h.base}/console/members`);
    await c.page.fill('input[name="displayName"]', "黄大姐");
    await c.page.fill('input[name="username"]', "tianyang.clerk");
    await c.page.fill('form[action="/console/members"] input[name="password"]', CLERK_PASSWORD);
    expect(await clickAndLoad(c.page, 'form[action="/console/members"] button[type="submit"]')).to.equal(200);
    const row = '[data-member="tianyang.clerk"]';
    expect(await c.page.locator(row).count()).to.equal(1);

    // Reset the clerk's password.
    await c.page.fill(`${row} input[name="password"]`, NEW_PASSWORD);
    expect(await clickAndLoad(c.page, `${row} button[data-action="password"]`)).to.equal(200);
    expect(await c.page.locator('[role="status"]').first().innerText()).to.contain("已为 黄大姐 重设密码");
    expect(await logsIn("tianyang.clerk", CLERK_PASSWORD)).to.equal(false);
    expect(await logsIn("tianyang.clerk", NEW_PASSWORD)).to.equal(true);

    // Disable, then enable.
    expect(await clickAndLoad(c.page, `${row} button[data-action="disable"]`)).to.equal(200);
    expect(await c.page.locator(`${row} [data-status]`).innerText()).to.equal("已停用");
    expect(await logsIn("tianyang.clerk", NEW_PASSWORD)).to.equal(false);
    await screenshot(c.page, this.test!.title, "disabled");
    expect(await clickAndLoad(c.page, `${row} button[data-action="enable"]`)).to.equal(200);
    expect(await logsIn("tianyang.clerk", NEW_PASSWORD)).to.equal(true);

    // A guesser on another address makes the clerk wait there; the admin lifts the waits.
    const guesser = new AddressClient(h.base, "127.0.0.4");
    for (let i = 0; i < 8; i++) expect((await guesser.login("tianyang.clerk", `wrong ${i}`)).status).to.equal(401);
    expect((await guesser.login("tianyang.clerk", NEW_PASSWORD)).status, "waiting").to.equal(401);
    expect(await clickAndLoad(c.page, `${row} button[data-action="unlock"]`)).to.equal(200);
    expect((await guesser.login("tianyang.clerk", NEW_PASSWORD)).status).to.equal(303);
    guesser.close();

    // A new API key: shown once, the old one refused.
    expect(await clickAndLoad(c.page, 'form[action="/console/members/api-keys/rotate"] button[type="submit"]')).to.equal(201);
    const newKey = (await c.page.locator("[data-api-key]").innerText()).trim();
    expect(newKey).to.match(/^plk_/).and.not.to.equal(oldKey);
    expect(await keyWorks(oldKey), "the old key").to.equal(false);
    expect(await keyWorks(newKey)).to.equal(true);
    await screenshot(c.page, this.test!.title, "new-key");
    expect(c.all(), "console errors, page errors or failed requests").to.deep.equal([]);
  });
});
