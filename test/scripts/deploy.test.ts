import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { artifacts, ethers } from "hardhat";
import { deployLedgerFixture } from "../helpers/ledger-fixture";
import { deployLedger } from "../../server/chain/deploy-ledger";
import { roleId } from "../../server/chain/roles";
import { parseRoleGrants } from "../../scripts/deploy";

describe("deployLedger", function () {
  it("writes deployments/<chainId>.json with the address, deploy block and chain id", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const recorded = JSON.parse(readFileSync(path.join(f.deploymentsDir, `${f.deployment.chainId}.json`), "utf8"));
    expect(recorded).to.deep.equal(f.deployment);
    expect(recorded.chainId).to.equal(31337);
    expect(await ethers.provider.getCode(recorded.address)).not.to.equal("0x");
    const deployTx = await ethers.provider.getTransactionReceipt(recorded.transactionHash);
    expect(deployTx?.blockNumber).to.equal(recorded.deployBlock);
    expect(deployTx?.contractAddress).to.equal(recorded.address);
  });

  it("grants the initial roles", async function () {
    const f = await loadFixture(deployLedgerFixture);
    expect(await f.ledger.hasRole(roleId("producer"), f.producer.address)).to.equal(true);
    expect(await f.ledger.hasRole(roleId("certifier"), f.certifier.address)).to.equal(true);
    expect(await f.ledger.hasRole(roleId("admin"), f.admin.address)).to.equal(true);
    expect(await f.ledger.hasRole(roleId("carrier"), f.outsider.address)).to.equal(false);
  });

  it("is safe to run twice: reuses the deployment and grants nothing again", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const messages: string[] = [];
    const blockBefore = await ethers.provider.getBlockNumber();
    const again = await deployLedger({
      signer: f.admin,
      artifact: await artifacts.readArtifact("ProvenanceLedger"),
      deploymentsDir: f.deploymentsDir,
      grants: [{ role: "producer", account: f.producer.address }],
      log: (message) => messages.push(message),
    });
    expect(again).to.deep.equal(f.deployment);
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect(messages.join("\n")).to.match(/already deployed/).and.to.match(/already holds producer/);
  });

  it("deploys anew when the recorded address has no code (a reset chain)", async function () {
    const [admin] = await ethers.getSigners();
    const deploymentsDir = mkdtempSync(path.join(tmpdir(), "ledger-deployments-"));
    writeFileSync(
      path.join(deploymentsDir, "31337.json"),
      JSON.stringify({ address: ethers.Wallet.createRandom().address, chainId: 31337, deployBlock: 1, transactionHash: "0x", admin: admin.address }),
    );
    const messages: string[] = [];
    const deployment = await deployLedger({
      signer: admin,
      artifact: await artifacts.readArtifact("ProvenanceLedger"),
      deploymentsDir,
      log: (message) => messages.push(message),
    });
    expect(await ethers.provider.getCode(deployment.address)).not.to.equal("0x");
    expect(messages[0]).to.match(/chain was reset/);
  });

  describe("parseRoleGrants", function () {
    it("reads role=address pairs", function () {
      const [a, b] = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
      expect(parseRoleGrants(`producer=${a.toLowerCase()}, certifier=${b}`)).to.deep.equal([
        { role: "producer", account: a },
        { role: "certifier", account: b },
      ]);
      expect(parseRoleGrants(undefined)).to.deep.equal([]);
    });

    it("refuses an unknown role or a malformed address", function () {
      expect(() => parseRoleGrants("farmer=0x0000000000000000000000000000000000000001")).to.throw(/unknown role "farmer"/);
      expect(() => parseRoleGrants("producer=0x123")).to.throw(/not an address/);
    });
  });
});
