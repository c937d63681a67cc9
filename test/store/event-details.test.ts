/**
 * event_details: every accepted event's and attestation's canonical detail, by the data hash the
 * chain holds, written when the write is accepted and kept apart from the send queue. Checked on
 * the store itself, through a real gateway (a write, a refused write, an attestation), and on a
 * database from before the table existed, which the migration fills from the queue.
 */
import { expect } from "chai";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { openDatabase } from "../../server/store/database";
import { EventDetails } from "../../server/store/event-details";
import { MIGRATIONS } from "../../server/store/schema";
import * as payload from "../../scripts/lib/payloads";
import { startHarness, type Harness } from "../helpers/gateway-harness";

/** The data hash of a canonical detail: keccak256 of its bytes. */
const hashOf = (detail: string) => keccak256(toUtf8Bytes(detail));

describe("event details (store/event-details.ts)", function () {
  describe("the store", function () {
    it("keeps a detail by its hash once, and answers undefined for a hash it never saw", function () {
      const details = new EventDetails(openDatabase(":memory:"));
      const detail = '{"type":"harvest","v":1}';
      details.put(hashOf(detail), detail);
      details.put(hashOf(detail), detail);
      const kept = details.get(hashOf(detail));
      expect(kept?.detail).to.equal(detail);
      expect(kept?.createdAt).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(details.get(hashOf("{}"))).to.equal(undefined);
    });
  });

  describe("through the gateway", function () {
    let h: Harness;
    let producer: { id: string; address: string; apiKey: string };

    before(async function () {
      h = await startHarness();
      producer = await h.org("田阳芒果专业合作社", "producer");
    });

    after(async function () {
      await h?.stop();
    });

    it("writes the detail of an accepted event in the same step, and it outlives the queue's row", async function () {
      const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("ED-1") });
      expect(harvest.status).to.equal(202);
      const queued = h.db.prepare(`SELECT data_hash, detail FROM outbox WHERE id = ?`).get(harvest.body.eventId) as {
        data_hash: string;
        detail: string;
      };
      const details = new EventDetails(h.db);
      expect(details.get(queued.data_hash)?.detail).to.equal(queued.detail);
      expect(hashOf(details.get(queued.data_hash)!.detail)).to.equal(queued.data_hash);

      await h.settle();
      // The queue's row may go (a pruned queue); the detail stays where the pages can read it.
      h.db.prepare(`DELETE FROM outbox WHERE id = ?`).run(harvest.body.eventId);
      expect(details.get(queued.data_hash)?.detail).to.equal(queued.detail);
    });

    it("keeps nothing of a refused write", async function () {
      const before = (h.db.prepare(`SELECT count(*) AS n FROM event_details`).get() as { n: number }).n;
      const refused = await h.call("POST", "/api/v1/batches", {
        token: producer.apiKey,
        body: payload.harvest("ED-2", { harvestedAt: "not a date" }),
      });
      expect(refused.status).to.equal(400);
      expect((h.db.prepare(`SELECT count(*) AS n FROM event_details`).get() as { n: number }).n).to.equal(before);
    });
  });

  describe("the migration", function () {
    let dir: string;

    beforeEach(function () {
      dir = mkdtempSync(path.join(tmpdir(), "event-details-"));
    });

    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("copies the details the send queues held into event_details, each hash once", function () {
      const file = path.join(dir, "gateway.db");
      const old = new Database(file);
      for (const migration of MIGRATIONS.slice(0, 5)) old.exec(migration);
      old.pragma("user_version = 5");
      old.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('o1', 'Co-op', 'producer', '0xA', 0, '2026-06-01')`).run();
      const harvest = '{"type":"harvest"}';
      const insert = old.prepare(
        `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, r, s, v, status, created_at, updated_at)
         VALUES (?, 'b1', 0, 'o1', '0xA', '0x0', '0x1', ?, ?, '[]', '0x', '0x', 27, ?, ?, ?)`,
      );
      // The same detail twice (a write that failed and was accepted again), and a second one.
      insert.run("e1", hashOf(harvest), harvest, "failed", "2026-06-01T01:00:00Z", "2026-06-01T01:00:00Z");
      insert.run("e2", hashOf(harvest), harvest, "confirmed", "2026-06-01T02:00:00Z", "2026-06-01T02:00:00Z");
      const attestation = '{"type":"certification"}';
      old.prepare(
        `INSERT INTO certification_outbox (id, action, org_id, certification_id, batch_id, payload, detail, status, created_at, updated_at)
         VALUES ('c1', 'attest', 'o1', '0xc', 'b1', ?, ?, 'pending', '2026-06-02T00:00:00Z', '2026-06-02T00:00:00Z')`,
      ).run(JSON.stringify({ attestation: { dataHash: hashOf(attestation) } }), attestation);
      old.close();

      const db = openDatabase(file);
      const rows = db.prepare(`SELECT data_hash, detail, created_at FROM event_details ORDER BY created_at`).all();
      expect(rows).to.deep.equal([
        { data_hash: hashOf(harvest), detail: harvest, created_at: "2026-06-01T01:00:00Z" },
        { data_hash: hashOf(attestation), detail: attestation, created_at: "2026-06-02T00:00:00Z" },
      ]);
      db.close();
    });

    it("lists the inputs the send queue's events already named (outbox_inputs), in lower case", function () {
      const file = path.join(dir, "gateway.db");
      const old = new Database(file);
      for (const migration of MIGRATIONS.slice(0, 6)) old.exec(migration);
      old.pragma("user_version = 6");
      old.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('o1', 'Co-op', 'processor', '0xA', 0, '2026-06-01')`).run();
      old.prepare(
        `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, r, s, v, status, created_at, updated_at)
         VALUES ('e1', 'b2', 1, 'o1', '0xA', '0x0', '0x1', '0xd1', '{}', '["0xAB","0xcd"]', '0x', '0x', 27, 'confirmed', '2026-06-01', '2026-06-01')`,
      ).run();
      old.close();

      const db = openDatabase(file);
      expect(db.prepare(`SELECT input_batch_id FROM outbox_inputs ORDER BY input_batch_id`).pluck().all()).to.deep.equal(["0xab", "0xcd"]);
      db.close();
    });
  });
});
