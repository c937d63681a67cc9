import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { toQuantity, type Provider } from "ethers";
import { batchId, MANGO_GTIN } from "../../helpers/ledger-fixture";
import { startAnvil, type AnvilHandle } from "../../../server/chain/anvil";
import { EventKind } from "../../../server/domain/event-kinds";
import { openDatabase, type Db } from "../../../server/store/database";
import { createIndexer, rebuildIndex, type IndexerOptions } from "../../../server/workers/indexer";
import { expectIndexMatchesChain, freePort, snapshotIndex, type Prepared } from "./helpers";
import { ledgerOnAnvil, newOrgs, type AnvilLedger } from "./anvil-ledger";

const { Harvest, Processing, Shipment, Receipt } = EventKind;

/** The index says what the chain says, and is what a rebuild from scratch gives. */
async function expectConverged(db: Db, chain: AnvilLedger): Promise<void> {
  const { provider, ledger, deployment } = chain;
  await expectIndexMatchesChain(db, ledger, deployment.deployBlock);
  const rebuilt = openDatabase(":memory:");
  await rebuildIndex(rebuilt, provider, deployment.address, deployment.deployBlock);
  expect(snapshotIndex(db)).to.deep.equal(snapshotIndex(rebuilt));
}

function indexerOn(chain: AnvilLedger, db: Db, options: Partial<IndexerOptions> = {}) {
  const { provider, deployment } = chain;
  const { address, deployBlock } = deployment;
  return createIndexer({ db, provider, address, deployBlock, confirmations: 0, ...options });
}

const certificationsOf = (db: Db) =>
  db.prepare(`SELECT id, revoked_by FROM idx_certifications ORDER BY block_number, log_index`).all() as Array<{
    id: string;
    revoked_by: string | null;
  }>;
const inputsOf = (db: Db, batch: string) =>
  (db.prepare(`SELECT input_batch_id FROM idx_lineage WHERE batch_id = ? ORDER BY log_index`).all(batch) as Array<{
    input_batch_id: string;
  }>).map((row) => row.input_batch_id);

describe("indexer following anvil", function () {
  describe("anvil_reorg", function () {
    let anvil: AnvilHandle;
    let chain: AnvilLedger;

    before(async function () {
      anvil = await startAnvil({ port: await freePort() });
      chain = await ledgerOnAnvil(anvil.rpcUrl);
    });
    after(async function () {
      await anvil?.stop();
    });

    /** Replaces the newest `depth` blocks with blocks holding `events` (one per block). */
    async function reorg(depth: number, events: Prepared[]): Promise<void> {
      const { relayer, deployment, writer, provider } = chain;
      const txs = events.map((prepared, i) => [
        { from: relayer.address, to: deployment.address, data: writer.recordCalldata(prepared), gas: toQuantity(3_000_000) },
        i,
      ]);
      const height = await provider.getBlockNumber();
      const replaced = (await provider.getBlock(height - depth + 1))!.hash;
      await provider.send("anvil_reorg", [depth, txs]);
      expect(await provider.getBlockNumber()).to.equal(height);
      expect((await provider.getBlock(height - depth + 1))!.hash).to.not.equal(replaced);
    }

    it("undoes indexed blocks that a reorg replaced and converges to the new chain", async function () {
      const { writer: w, orgs, provider, ledger, deployment } = chain;
      // The cooperative packs its own harvests (it holds them) and ships A to the carrier.
      const { producer, carrier, certifier } = orgs;
      const [A, B, C, D] = ["RG-A", "RG-B", "RG-C", "RG-D"].map((lot) => batchId(lot));
      await w.record(producer, A, Harvest);
      await w.record(producer, B, Harvest);
      const certA = await w.attest(certifier, { batch: A }, "RG-CERT-A");
      const fork = await provider.getBlockNumber();
      // The new chain, signed and proven at the fork: D harvested, B shipped, C made from A alone;
      // A neither revoked nor shipped.
      const replacements = [
        await w.prepare(producer, D, Harvest),
        await w.prepare(producer, B, Shipment, { counterparty: carrier }),
        await w.prepare(producer, C, Processing, { inputs: [A] }),
      ];

      // Four blocks that the reorg will replace.
      await w.record(producer, C, Processing, { inputs: [A, B] });
      await w.revoke(certifier, certA, "withdrawn");
      const certLine = await w.attest(certifier, { producer: producer.address, gtin: MANGO_GTIN }, "RG-LINE");
      await w.record(producer, A, Shipment, { counterparty: carrier });
      const latest = await provider.getBlockNumber();
      expect(latest).to.equal(fork + 4);

      const db = openDatabase(":memory:");
      const indexer = indexerOn(chain, db, { chunkSize: 3 });
      expect((await indexer.tick()).to).to.equal(latest);
      await expectIndexMatchesChain(db, ledger, deployment.deployBlock);
      expect(certificationsOf(db)).to.deep.equal([
        { id: certA, revoked_by: certifier.address },
        { id: certLine, revoked_by: null },
      ]);
      expect(inputsOf(db, C)).to.deep.equal([A, B]);

      await reorg(4, replacements);
      expect((await ledger.headOf(B)).toLowerCase()).to.equal(replacements[1].step.head);

      expect(await indexer.tick()).to.deep.equal({ from: fork + 1, to: latest, rewound: fork });
      await expectConverged(db, chain);
      expect(certificationsOf(db)).to.deep.equal([{ id: certA, revoked_by: null }]);
      expect(inputsOf(db, C)).to.deep.equal([A]);
      expect(inputsOf(db, B)).to.deep.equal([]);
    });

    it("does not index logs of blocks replaced while it read them", async function () {
      const { writer: w, orgs, provider } = chain;
      const [E, F, G] = ["RR-E", "RR-F", "RR-G"].map((lot) => batchId(lot));
      const db = openDatabase(":memory:");
      await indexerOn(chain, db).tick();

      await w.record(orgs.producer, E, Harvest);
      await w.record(orgs.producer, F, Harvest);
      // E's shipment extends a harvest the reorg takes away: the replacement block refuses it.
      const replacements = [
        await w.prepare(orgs.producer, G, Harvest),
        await w.prepare(orgs.producer, E, Shipment, { counterparty: orgs.carrier }),
      ];

      // The first eth_getLogs answers from the old blocks, then the reorg happens.
      let reorged = false;
      const racing = new Proxy(provider, {
        get(target, property) {
          if (property !== "getLogs") {
            const value = Reflect.get(target, property, target);
            return typeof value === "function" ? value.bind(target) : value;
          }
          return async (filter: Parameters<Provider["getLogs"]>[0]) => {
            const logs = await target.getLogs(filter);
            if (!reorged) {
              reorged = true;
              await reorg(2, replacements);
            }
            return logs;
          };
        },
      });
      const result = await indexerOn(chain, db, { provider: racing }).tick();
      expect(reorged).to.equal(true);
      expect(result.rewound).to.equal(undefined); // the stale logs were never written
      await expectConverged(db, chain);
      expect(db.prepare(`SELECT COUNT(*) AS n FROM idx_batches WHERE batch_id = ?`).get(F)).to.deep.equal({ n: 0 });
    });
  });

  describe("restart from an older state file", function () {
    let anvil: AnvilHandle | undefined;
    after(async function () {
      await anvil?.stop();
    });

    it("rewinds when anvil comes back without its newest blocks, then follows the new chain", async function () {
      const dir = mkdtempSync(path.join(tmpdir(), "indexer-restart-"));
      const options = { port: await freePort(), stateFile: path.join(dir, "anvil-state.json"), stateInterval: 3_600 };
      const orgs = newOrgs();
      const deploymentsDir = path.join(dir, "deployments");
      const [P, Q, R, S] = ["RS-P", "RS-Q", "RS-R", "RS-S"].map((lot) => batchId(lot));

      // Phase 1, saved: SIGTERM makes anvil write its state file.
      anvil = await startAnvil(options);
      let chain = await ledgerOnAnvil(anvil.rpcUrl, orgs, deploymentsDir);
      await chain.writer.record(orgs.producer, P, Harvest);
      await chain.writer.record(orgs.producer, P, Shipment, { counterparty: orgs.carrier });
      await anvil.stop();
      anvil = await startAnvil(options);
      chain = await ledgerOnAnvil(anvil.rpcUrl, orgs, deploymentsDir); // reuses the deployment
      const { provider } = chain;
      const saved = await provider.getBlockNumber();

      const db = openDatabase(":memory:");
      const indexer = indexerOn(chain, db);
      expect((await indexer.tick()).to).to.equal(saved);

      // Phase 2, never saved: indexed, then lost to a hard kill.
      await chain.writer.record(orgs.producer, Q, Harvest);
      // The cooperative packs what it kept of P with Q (it shipped part of P to the carrier).
      await chain.writer.record(orgs.producer, R, Processing, { inputs: [P, Q] });
      await chain.writer.attest(orgs.certifier, { batch: R }, "RS-CERT-R");
      const lost = await provider.getBlockNumber();
      expect((await indexer.tick()).to).to.equal(lost);
      expect((db.prepare(`SELECT COUNT(*) AS n FROM idx_batches`).get() as { n: number }).n).to.equal(3);

      anvil.process.kill("SIGKILL");
      await anvil.stop();
      anvil = await startAnvil(options);
      expect(await provider.getBlockNumber()).to.equal(saved);

      expect(await indexer.tick()).to.deep.equal({ from: saved + 1, to: saved, rewound: saved });
      await expectConverged(db, chain);
      expect(db.prepare(`SELECT batch_id FROM idx_batches`).all()).to.deep.equal([{ batch_id: P }]);
      expect(db.prepare(`SELECT COUNT(*) AS n FROM idx_certifications`).get()).to.deep.equal({ n: 0 });

      // The chain grows past the lost height with other blocks.
      await chain.writer.record(orgs.producer, S, Harvest);
      await chain.writer.record(orgs.producer, R, Processing, { inputs: [S] });
      await chain.writer.record(orgs.producer, S, Shipment, { counterparty: orgs.carrier });
      await chain.writer.record(orgs.producer, R, Shipment, { counterparty: orgs.carrier });
      await chain.writer.record(orgs.carrier, P, Receipt);
      expect(await provider.getBlockNumber()).to.be.greaterThan(lost);
      await indexer.tick();
      await expectConverged(db, chain);
      expect(inputsOf(db, R)).to.deep.equal([S]);
    });
  });
});
