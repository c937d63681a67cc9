/**
 * Roles read back from the chain, against a real anvil: the ledger's RoleGranted and RoleRevoked
 * logs decode beside (not into) the ledger's own events, and the index of roles follows the
 * chain through a reorg — a revocation the chain dropped does not linger, and one it keeps is
 * seen again.
 */
import { expect } from "chai";
import { id, ZeroHash } from "ethers";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { decodeLedgerLogs, decodeRoleLogs } from "../../server/chain/ledger-events";
import { openDatabase } from "../../server/store/database";
import { RoleIndexRepository } from "../../server/store/role-index";
import { createIndexer } from "../../server/workers/indexer";
import { freePort } from "../../scripts/lib/processes";
import { ledgerOnAnvil, type AnvilLedger } from "../workers/indexer/anvil-ledger";

const PRODUCER = id("PRODUCER_ROLE");

describe("roles read back from the chain (anvil)", function () {
  this.timeout(60_000);
  let anvil: AnvilHandle;
  let chain: AnvilLedger;

  beforeEach(async function () {
    anvil = await startAnvil({ port: await freePort() });
    chain = await ledgerOnAnvil(anvil.rpcUrl);
  });
  afterEach(async function () {
    chain?.provider.destroy();
    await anvil?.stop();
  });

  it("decodes RoleGranted and RoleRevoked apart from the ledger's events", async function () {
    const { producer } = chain.orgs;
    await (await chain.ledger.revokeRole(PRODUCER, producer.address)).wait();
    const logs = await chain.provider.getLogs({ address: chain.deployment.address, fromBlock: 0 });

    const roles = decodeRoleLogs(logs, chain.deployment.address);
    expect(roles.map((r) => [r.type, r.role, r.account])).to.deep.equal([
      ["RoleGranted", ZeroHash, chain.relayer.address], // the deployer, admin
      ["RoleGranted", PRODUCER, producer.address],
      ["RoleGranted", id("PROCESSOR_ROLE"), chain.orgs.processor.address],
      ["RoleGranted", id("CARRIER_ROLE"), chain.orgs.carrier.address],
      ["RoleGranted", id("CERTIFIER_ROLE"), chain.orgs.certifier.address],
      ["RoleRevoked", PRODUCER, producer.address],
    ]);
    expect(roles.every((r) => r.sender === chain.relayer.address)).to.equal(true);
    expect(decodeRoleLogs(logs, producer.address)).to.deep.equal([]); // another contract's logs are not the ledger's
    expect(decodeLedgerLogs(logs)).to.deep.equal([]); // the ledger's own decoders do not take role changes for events
  });

  it("follows role changes through a reorg", async function () {
    const db = openDatabase(":memory:");
    const roles = new RoleIndexRepository(db);
    const indexer = createIndexer({ db, provider: chain.provider, address: chain.deployment.address, deployBlock: chain.deployment.deployBlock, confirmations: 0 });
    const { producer } = chain.orgs;
    await indexer.tick();
    expect(roles.standing(producer.address, PRODUCER)?.granted).to.equal(true);

    const before = await chain.provider.send("evm_snapshot", []);
    await (await chain.ledger.revokeRole(PRODUCER, producer.address)).wait();
    await indexer.tick();
    expect(roles.standing(producer.address, PRODUCER)?.granted).to.equal(false);

    // The chain drops the block of the revocation and grows past it: the revocation is gone.
    await chain.provider.send("evm_revert", [before]);
    for (let i = 0; i < 3; i++) await chain.provider.send("evm_mine", []);
    const tick = await indexer.tick();
    expect(tick.rewound).to.be.a("number");
    expect(roles.standing(producer.address, PRODUCER)?.granted).to.equal(true);

    // Revoked again for good, in a block the index reads for the first time.
    const revoked = await (await chain.ledger.revokeRole(PRODUCER, producer.address)).wait();
    await indexer.tick();
    expect(roles.standing(producer.address, PRODUCER)).to.deep.equal({ granted: false, blockNumber: revoked!.blockNumber, txHash: revoked!.hash });
    db.close();
  });
});
