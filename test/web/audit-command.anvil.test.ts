/**
 * The audit command a batch's page gives, copied as a reader copies it and run with a chain
 * node named in place of the placeholder: the project's CLI in a shell, reading a real anvil
 * and this gateway's public details, verifies the batch and every batch it was made from.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { freePort } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";
import { startHarness, type Harness } from "../helpers/gateway-harness";

const ROOT = path.resolve(__dirname, "../..");
const GTIN = payload.MANGO_GTIN;
const PLACEHOLDER = "<RPC URL of a chain node>";

/** Text the page escaped, as a reader sees and copies it. */
function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** A command line as a reader's shell runs it, from a checkout of the project. */
function shell(command: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", command], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? ROOT }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("the page's audit command, copied and run against a real anvil", function () {
  this.timeout(240_000);
  let anvil: AnvilHandle;
  let h: Harness;
  /** A lot a shell would misread unquoted: the page must quote it. */
  const lot = "AC&1'(x)";
  const packLot = "AC-P1";

  before(async function () {
    anvil = await startAnvil({ port: await freePort() });
    h = await startHarness({ rpcUrl: anvil.rpcUrl });
    const producer = await h.org("田阳芒果专业合作社", "producer");
    const processor = await h.org("百色分拣包装厂", "processor");
    const ok = async (path: string, token: string, body: unknown) => {
      const answer = await h.call("POST", path, { token, body });
      if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const { batchId } = await ok("/api/v1/batches", producer.apiKey, payload.harvest(lot));
    await ok(`/api/v1/batches/${batchId}/events`, producer.apiKey, payload.shipment(processor.id, { shippedAt: "2026-06-01T10:00:00+08:00" }));
    await ok(`/api/v1/batches/${batchId}/events`, processor.apiKey, { ...payload.receipt, location: "百色分拣包装厂", receivedAt: "2026-06-01T12:00:00+08:00" });
    await ok(`/api/v1/batches/${batchId}/events`, processor.apiKey, {
      ...payload.packing,
      occurredAt: "2026-06-01T18:00:00+08:00",
      outputs: [{ gtin: GTIN, lot: packLot, quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } }],
    });
    await h.settle();
  });

  after(async function () {
    await h?.stop();
    await anvil?.stop();
  });

  for (const [what, path] of [
    ["a harvest whose lot a shell would misread", () => `/01/${GTIN}/10/${encodeURIComponent(lot)}`],
    ["a pack, with the harvest it was made from", () => `/01/${GTIN}/10/${packLot}`],
  ] as const) {
    it(`verifies ${what}: exit 0`, async function () {
      const page = await fetch(`${h.base}${path()}?lang=en`);
      expect(page.status).to.equal(200);
      const found = /<pre data-audit-command><code>([^<]*)<\/code><\/pre>/.exec(await page.text());
      expect(found, "the audit command on the page").not.to.equal(null);
      const command = unescapeHtml(found![1]);
      expect(command).to.contain(PLACEHOLDER);
      const run = await shell(command.replace(PLACEHOLDER, anvil.rpcUrl));
      expect(run.code, run.output).to.equal(0);
    });
  }

  it("fails when the reader's node is another chain's: the command names this ledger", async function () {
    const other = await startAnvil({ port: await freePort() });
    try {
      const page = await (await fetch(`${h.base}/01/${GTIN}/10/${packLot}?lang=en`)).text();
      const command = unescapeHtml(/<pre data-audit-command><code>([^<]*)<\/code><\/pre>/.exec(page)![1]);
      const run = await shell(command.replace(PLACEHOLDER, other.rpcUrl));
      expect(run.code, run.output).not.to.equal(0);
    } finally {
      await other.stop();
    }
  });
});
