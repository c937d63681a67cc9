/**
 * The login throttle in the account service, on a real SQLite file, with a clock the test moves:
 * the growing waits, the counts per username and address, per address and per username, what a
 * known place skips, what a restart keeps, what an unlock clears, and that neither usernames
 * nor addresses are stored in clear. (Over HTTP and in a gateway process: test/console/login
 * and test/security/login-restart.)
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AccountService, DEFAULT_ACCOUNT_SETTINGS } from "../../server/services/account-service";
import { addressGroup, delaySeconds, DEFAULT_THROTTLE_SETTINGS } from "../../server/services/login-throttle";
import { openDatabase, type Db } from "../../server/store/database";
import { MemberRepository } from "../../server/store/member-repository";
import { OrgRepository } from "../../server/store/org-repository";

const PASSWORD = "correct horse battery";
const OWNER = "10.1.1.1";
const GUESSER = "203.0.113.7";

describe("login throttle (account service, real SQLite)", function () {
  let file: string;
  let db: Db;
  let clock: number;
  let accounts: AccountService;
  let memberId: string;

  const open = () => {
    db = openDatabase(file);
    accounts = new AccountService(new MemberRepository(db), new OrgRepository(db), { ...DEFAULT_ACCOUNT_SETTINGS, scryptN: 1024 }, () => new Date(clock));
  };
  const at = (seconds: number) => {
    clock += seconds * 1_000;
  };
  const ok = async (username: string, password: string, address: string) => (await accounts.login(username, password, address)).ok;

  beforeEach(async function () {
    file = path.join(mkdtempSync(path.join(tmpdir(), "login-throttle-")), "gateway.db");
    clock = Date.parse("2026-06-01T08:00:00Z");
    open();
    memberId = (await accounts.createMember(null, { username: "programme.office", password: PASSWORD })).id;
  });

  afterEach(function () {
    db.close();
  });

  it("waits 32 s after five failures of a name from one address, then 64 s, 128 s…; the right password after the wait logs in", async function () {
    for (let i = 0; i < 5; i++) expect(await ok("programme.office", "wrong password", GUESSER)).to.equal(false);
    at(31);
    expect(await ok("programme.office", PASSWORD, GUESSER), "31 s into a 32 s wait").to.equal(false);
    at(2);
    expect(await ok("programme.office", "wrong password", GUESSER), "the sixth failure").to.equal(false);
    at(63);
    expect(await ok("programme.office", PASSWORD, GUESSER), "63 s into a 64 s wait").to.equal(false);
    at(2);
    expect(await ok("programme.office", PASSWORD, GUESSER), "after the wait").to.equal(true);
    // A good login clears the pair's count: five more failures before the next wait.
    for (let i = 0; i < 4; i++) expect(await ok("programme.office", "wrong password", GUESSER)).to.equal(false);
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(true);
  });

  it("does not stop the owner on another address, however many failures one address sent", async function () {
    for (let i = 0; i < 50; i++) await ok("programme.office", "wrong password", GUESSER);
    expect(await ok("programme.office", PASSWORD, OWNER)).to.equal(true);
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(false);
  });

  it("lets only five of fifty guesses sent at once check a password: each is counted before its check", async function () {
    const answers = await Promise.all(Array.from({ length: 50 }, () => accounts.login("programme.office", PASSWORD.toUpperCase(), GUESSER)));
    expect(answers.every((a) => !a.ok)).to.equal(true);
    const pair = db.prepare(`SELECT failures FROM login_failures WHERE key LIKE 'pair:%'`).get() as { failures: number };
    expect(pair.failures, "the other 45 were refused without a check, and so not counted").to.equal(5);
    expect(await ok("programme.office", PASSWORD, OWNER)).to.equal(true);
  });

  it("slows an address that tries many names after 20 failures, but not the members who logged in there before", async function () {
    expect(await ok("programme.office", PASSWORD, GUESSER), "a member logs in from the guesser's network").to.equal(true);
    await accounts.createMember(null, { username: "programme.clerk", password: PASSWORD });
    for (let i = 0; i < 20; i++) expect(await ok(`guess.${i}`, "wrong password", GUESSER)).to.equal(false);
    expect(await ok("programme.clerk", PASSWORD, GUESSER), "a name new to this address must wait").to.equal(false);
    expect(await ok("programme.clerk", PASSWORD, OWNER), "elsewhere it is not slowed").to.equal(true);
    expect(await ok("programme.office", PASSWORD, GUESSER), "a known place skips the address count").to.equal(true);
  });

  it("slows a name tried from many addresses only after 100 failures, and never at a place its owner knows", async function () {
    expect(await ok("programme.office", PASSWORD, OWNER)).to.equal(true);
    for (let i = 0; i < 99; i++) expect(await ok("programme.office", "wrong password", `198.51.100.${i}`)).to.equal(false);
    expect(await ok("programme.office", PASSWORD, "192.0.2.1"), "99 failures: not yet").to.equal(true);
    for (let i = 0; i < 100; i++) await ok("programme.office", "wrong password", `198.51.${i}.1`);
    expect(await ok("programme.office", PASSWORD, "192.0.2.2"), "100 failures from everywhere: a new address waits").to.equal(false);
    expect(await ok("programme.office", PASSWORD, OWNER), "the owner's usual place does not").to.equal(true);
  });

  it("keeps the wait across a restart of the service on the same database", async function () {
    for (let i = 0; i < 5; i++) await ok("programme.office", "wrong password", GUESSER);
    db.close();
    open();
    at(10);
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(false);
    at(30);
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(true);
  });

  it("lets an admin's unlock clear the waits of a member's name and of the places it logged in from", async function () {
    expect(await ok("programme.office", PASSWORD, OWNER)).to.equal(true);
    for (let i = 0; i < 5; i++) await ok("programme.office", "wrong password", GUESSER);
    for (let i = 0; i < 20; i++) await ok(`guess.${i}`, "wrong password", OWNER); // someone at the owner's office guesses names
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(false);
    const { cleared } = accounts.unlock(memberId);
    expect(cleared).to.be.at.least(2);
    expect(await ok("programme.office", PASSWORD, GUESSER)).to.equal(true);
    expect(() => accounts.unlock("00000000-0000-4000-8000-000000000000")).to.throw(/no member/);
  });

  it("treats an unknown name as a known one: it too waits after five failures", async function () {
    for (let i = 0; i < 5; i++) await ok("nobody.here", "wrong password", GUESSER);
    const before = db.prepare(`SELECT count(*) AS n FROM login_failures WHERE blocked_until IS NOT NULL`).get() as { n: number };
    expect(before.n).to.equal(1);
  });

  it("stores neither usernames nor addresses in clear", async function () {
    await ok("programme.office", PASSWORD, OWNER);
    for (let i = 0; i < 6; i++) await ok("my secret password typed as a name", "x", GUESSER);
    const rows = JSON.stringify([...db.prepare(`SELECT * FROM login_failures`).all(), ...db.prepare(`SELECT * FROM login_places`).all()]);
    expect(rows).not.to.match(/programme|secret|10\.1\.1\.1|203\.0\.113/);
    expect(rows.length).to.be.greaterThan(50);
  });

  it("groups IPv6 clients by their /64 and reads IPv4-mapped addresses as IPv4", function () {
    expect(addressGroup("2001:db8:1:2:aaaa::1")).to.equal(addressGroup("2001:db8:1:2:bbbb:cccc:dddd:2"));
    expect(addressGroup("2001:db8:1:3::1")).not.to.equal(addressGroup("2001:db8:1:2::1"));
    expect(addressGroup("::ffff:127.0.0.1")).to.equal("127.0.0.1");
    expect(addressGroup(undefined)).to.equal("unknown");
    expect([5, 6, 7, 10, 11].map((f) => delaySeconds(f, 5, DEFAULT_THROTTLE_SETTINGS))).to.deep.equal([32, 64, 128, 900, 900]);
    expect(delaySeconds(4, 5, DEFAULT_THROTTLE_SETTINGS)).to.equal(0);
  });
});
