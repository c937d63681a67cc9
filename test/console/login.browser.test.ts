/**
 * The console login in a real browser (Debian's Chromium, a 360 x 740 phone) while someone else
 * guesses: a client on another address sends 25 wrong passwords for a cooperative member's
 * name, and must wait; the member, on the phone, mistypes once, sees the one refusal every
 * failed login gets, then logs in with the right password and lands on their work. Screenshots
 * go to test-results/, named by the test.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { AddressClient } from "../../scripts/lib/address-client";
import { launchBrowser, phoneContext, screenshot, watchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";

const PASSWORD = "correct horse battery";
const MEMBER = "tianyang.huang";

describe("console login in a real browser after another client's guesses (Chromium, 360 px phone)", function () {
  this.timeout(120_000);
  let browser: Browser;
  let context: BrowserContext;
  let h: Harness;

  before(async function () {
    browser = await launchBrowser();
    h = await startHarness();
    const cooperative = await h.org("田阳芒果专业合作社", "producer");
    await h.member(cooperative.id, MEMBER, PASSWORD);
    context = await phoneContext(browser, { locale: "zh-CN" });
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    await h?.stop();
  });

  async function submitLogin(page: Page, password: string): Promise<Response> {
    await page.fill('input[name="username"]', MEMBER);
    await page.fill('input[name="password"]', password);
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.getByRole("button", { name: "登录", exact: true }).click()]);
    if (!response) throw new Error("the login form loaded no page");
    return response;
  }

  it("logs the member in with the right password after 25 wrong ones from another client", async function () {
    const guesser = new AddressClient(h.base, "127.0.0.2");
    for (let i = 0; i < 25; i++) expect((await guesser.login(MEMBER, `wrong password ${i}`)).status).to.equal(401);
    expect((await guesser.login(MEMBER, PASSWORD)).status, "the guesser waits, even with the right password").to.equal(401);
    guesser.close();

    const w = await watchedPage(context, [{ url: `${h.base}/console/login`, status: 401 }]);
    expect((await w.goto(`${h.base}/console/login`)).status()).to.equal(200);
    const typo = await submitLogin(w.page, "correct horse batery");
    expect(typo.status()).to.equal(401);
    expect(await w.page.locator('[role="alert"]').first().innerText()).to.equal("用户名或密码不对。");
    await screenshot(w.page, this.test!.title, "typo");

    const landed = await submitLogin(w.page, PASSWORD);
    expect(landed.status()).to.equal(200);
    expect(new URL(w.page.url()).pathname).to.equal("/console/batches");
    expect((await context.cookies()).some((c) => c.name === "plc_session")).to.equal(true);
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    await screenshot(w.page, this.test!.title, "logged-in");
  });
});
