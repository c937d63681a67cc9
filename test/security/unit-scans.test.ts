/**
 * The counterfeit warning of a unit's page, as an attacker would try to trigger it on a genuine
 * pack, and as a copied label would: scans count once per client per window, and the warning
 * needs many clients, from many networks, on more than one day. Through the real HTTP route (the
 * gateway trusts no proxy header: a client is its socket's address, here loopback addresses in
 * networks of their own, with its user agent and cookie; the day cannot change there, so that
 * route runs with SCAN_WARN_DAYS 0), and the counting rule through the repository on a real
 * SQLite database, where days pass.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { openDatabase, type Db } from "../../server/store/database";
import { SerialRepository } from "../../server/store/serial-repository";
import { DEFAULT_SCAN_SETTINGS, networkOf, UnitScans } from "../../server/services/unit-scans";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

const WARNING = `data-warning="counterfeit"`;
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

describe("security: a genuine unit's page cannot be made to say 疑似假冒", function () {
  describe("through the unit's page (one client address)", function () {
    this.timeout(120_000);
    let h: Harness;
    let unitUrl: string;
    let batchId: string;
    let producerKey: string;

    before(async function () {
      h = await startHarness({ web: { scanWarnDays: 0 } });
      const producer = await h.org("田阳芒果专业合作社", "producer");
      producerKey = producer.apiKey;
      const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("SCAN-1") });
      batchId = harvest.body.batchId;
      await h.settle();
      const issued = await h.call("POST", `/api/v1/batches/${batchId}/serials`, { token: producer.apiKey, body: { count: 1 } });
      expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
      unitUrl = new URL(issued.body.serials[0].url).pathname;
    });

    after(async function () {
      await h?.stop();
    });

    const scan = async (headers: Record<string, string> = {}) => {
      const response = await fetch(`${h.base}${unitUrl}`, { headers });
      expect(response.status).to.equal(200);
      return { text: await response.text(), cookie: response.headers.get("set-cookie") };
    };

    it("does not warn after 31 requests, or 100, from one client: they count as one scan", async function () {
      const ua = { "User-Agent": "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0" };
      for (let request = 1; request <= 100; request++) {
        const { text } = await scan(ua);
        expect(text, `request ${request}`).not.to.contain(WARNING);
        expect(text).to.contain("此单品码已被扫描 1 次");
      }
    });

    it("does not warn when one machine poses as 200 clients with new user agents and cookies", async function () {
      for (let client = 1; client <= 100; client++) {
        const { text } = await scan({ "User-Agent": `attacker/${client}` });
        expect(text, `user agent ${client}`).not.to.contain(WARNING);
      }
      for (let client = 1; client <= 100; client++) {
        const { text } = await scan({ Cookie: `unit_scan=${String(client).padStart(22, "x")}` });
        expect(text, `cookie ${client}`).not.to.contain(WARNING);
      }
    });

    it("warns once more than 30 clients from more than 3 networks scanned a copied label", async function () {
      const issued = await h.call("POST", `/api/v1/batches/${batchId}/serials`, { token: producerKey, body: { count: 1 } });
      const copied = new URL(issued.body.serials[0].url).pathname;
      /** A GET of the unit's page from a loopback address of its own (127.N.0.2 is in network N). */
      const scanFrom = (localAddress: string, userAgent: string) =>
        new Promise<string>((resolve, reject) => {
          const url = new URL(`${h.base}${copied}`);
          http
            .get({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers: { "User-Agent": userAgent } }, (response) => {
              const chunks: Buffer[] = [];
              response.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
            })
            .on("error", reject);
        });
      for (let client = 1; client <= 31; client++) expect(await scanFrom("127.0.0.1", `shopper ${client}`), `client ${client}`).not.to.contain(WARNING);
      for (const network of [1, 2]) expect(await scanFrom(`127.${network}.0.2`, "shopper"), `network ${network}`).not.to.contain(WARNING);
      expect(await scanFrom("127.3.0.2", "shopper")).to.contain(WARNING).and.to.contain("已被 34 台不同的设备").and.to.contain("4 个不同的网络");
    });

    it("hands the client its name as a cookie of this unit's path alone, and keeps the address and user agent out of the database", async function () {
      const { cookie } = await scan({ "User-Agent": "a fresh phone" });
      expect(cookie).to.match(new RegExp(`^unit_scan=[A-Za-z0-9_-]{22}; Path=${unitUrl.replace(/[/.]/g, "\\$&")}; Max-Age=\\d+; HttpOnly; SameSite=Lax$`));
      const stored = JSON.stringify(h.db.prepare(`SELECT * FROM serial_scan_clients`).all()) + JSON.stringify(h.db.prepare(`SELECT * FROM serial_scan_networks`).all());
      expect(stored).not.to.contain("127.0.0.1").and.not.to.contain("attacker").and.not.to.contain("MicroMessenger");
    });
  });

  describe("the counting rule (SerialRepository and UnitScans over a real SQLite database)", function () {
    let dir: string;
    let db: Db;
    let now: number;
    let scans: UnitScans;
    const BATCH = payload.harvestedBatchId("SCAN-2");

    beforeEach(function () {
      dir = mkdtempSync(path.join(tmpdir(), "unit-scans-"));
      db = openDatabase(path.join(dir, "gateway.db"));
      db.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('org', '合作社', 'producer', '0x0000000000000000000000000000000000000001', 1, '')`).run();
      const repository = new SerialRepository(db);
      repository.issue(BATCH, "org", 1, () => "GENUINE1");
      now = Date.parse("2026-06-10T02:00:00Z");
      scans = new UnitScans(repository, "test-master-secret-0123456789abcdefghijklmnop", DEFAULT_SCAN_SETTINGS, () => now);
    });

    afterEach(function () {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("counts one client once per ten-minute window", function () {
      const phone = { address: "203.0.113.7", userAgent: "phone" };
      expect(scans.scan(BATCH, "GENUINE1", phone)).to.deep.include({ scanCount: 1, clients: 1 });
      now += 9 * MINUTE;
      expect(scans.scan(BATCH, "GENUINE1", phone)).to.deep.include({ scanCount: 1, clients: 1 });
      now += 2 * MINUTE;
      expect(scans.scan(BATCH, "GENUINE1", phone)).to.deep.include({ scanCount: 2, clients: 1, networks: 1, days: 1 });
    });

    it("never warns a family scanning its pack for eight weeks from home, mobile data and work", function () {
      const phones = ["妈妈的手机", "爸爸的手机", "孩子的平板", "奶奶的手机"];
      const cookies = new Map<string, string>();
      for (let day = 0; day < 56; day++) {
        for (const [k, phone] of phones.entries()) {
          for (const hour of [8, 12, 20]) {
            now = Date.parse("2026-06-10T00:00:00Z") + day * DAY + hour * 3_600_000;
            // Home broadband, then a mobile address that changes every day, then the office.
            const address = hour === 8 ? "113.98.10.4" : hour === 12 ? `223.104.${(day * 7 + k) % 250}.${day % 200}` : "14.17.22.9";
            const result = scans.scan(BATCH, "GENUINE1", { address, userAgent: phone, cookie: cookies.get(phone) });
            cookies.set(phone, result.clientId);
            expect(result.suspect, `day ${day}`).to.equal(false);
          }
        }
      }
      const signals = scans.scan(BATCH, "GENUINE1", { address: "113.98.10.4", userAgent: phones[0], cookie: cookies.get(phones[0]) });
      expect(signals).to.deep.include({ clients: 4, suspect: false });
      expect(signals.days).to.be.at.least(56);
      expect(signals.networks).to.be.greaterThan(3);
    });

    it("never warns for one address posing as hundreds of clients over a week", function () {
      for (let client = 0; client < 500; client++) {
        now = Date.parse("2026-06-10T00:00:00Z") + client * 20 * MINUTE;
        expect(scans.scan(BATCH, "GENUINE1", { address: "198.51.100.23", userAgent: `bot/${client}` }).suspect).to.equal(false);
      }
      expect(scans.scan(BATCH, "GENUINE1", { address: "198.51.100.99", userAgent: "bot/last" })).to.deep.include({ networks: 1, suspect: false });
      // A network is the address's /24 (IPv4, mapped or not) or /48 (IPv6).
      expect(networkOf("198.51.100.23")).to.equal(networkOf("::ffff:198.51.100.200"));
      expect(networkOf("198.51.100.23")).not.to.equal(networkOf("198.51.101.23"));
      expect(networkOf("2001:db8:1:2::1")).to.equal(networkOf("2001:0db8:0001:ffff:1:2:3:4"));
      expect(networkOf("2001:db8:1::1")).not.to.equal(networkOf("2001:db8:2::1"));
    });

    it("warns once many clients, from many networks, on more than one day scanned a copied label", function () {
      const shopper = (k: number) => ({ address: `${36 + (k % 8)}.${k}.7.${k}`, userAgent: `shopper ${k}` });
      for (let k = 0; k < 31; k++) expect(scans.scan(BATCH, "GENUINE1", shopper(k)).suspect, "one day is not enough").to.equal(false);
      now += DAY;
      const next = scans.scan(BATCH, "GENUINE1", shopper(31));
      expect(next).to.deep.include({ clients: 32, days: 2, suspect: true });
      expect(next.networks).to.be.greaterThan(3);
      // A serial never issued warns at once, as it always did.
      expect(scans.scan(BATCH, "NEVERISSUED", { address: "203.0.113.7", userAgent: "phone" })).to.deep.include({ issued: false, suspect: true });
    });
  });
});
