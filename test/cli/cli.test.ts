import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { runCli } from "../../server/cli";
import { formatJourney } from "../../server/cli/journey";
import { progressLine, ProgressBar } from "../../server/cli/progress";
import type { Terminal } from "../../server/cli/terminal";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { certification, harvest, harvestedBatchId, MANGO_GTIN, packing, recall, shipment, viaCarrier } from "../../scripts/lib/payloads";
import { freePort } from "../../scripts/lib/processes";

const ROOT = path.resolve(__dirname, "../..");
const PASSWORD = "correct horse battery";

/** A terminal that answers prompts from a list, as a person typing would. */
function typing(...answers: string[]): Terminal {
  return { stdout: () => {}, stderr: () => {}, stderrIsTty: false, askSecret: async () => answers.shift() ?? "" };
}

/** A shipment body to `consignee` without its type: what --type supplies. */
function shipmentData(consignee: string, overrides: Record<string, unknown> = {}) {
  const { type: _type, ...data } = shipment(consignee, overrides);
  return data;
}

describe("cli", function () {
  this.timeout(120_000);
  let h: Harness;
  let env: Record<string, string>;
  let nowhere: Record<string, string>;
  let producer: { id: string; address: string; apiKey: string };
  let carrier: { id: string; address: string; apiKey: string };
  let counter: { id: string; address: string; apiKey: string };

  const outboxCount = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;

  /** The cooperative ships its batch `lot` to the carrier, which receives it (through the API): the carrier holds it then. */
  async function toCarrier(lot: string): Promise<void> {
    for (const [org, body] of [
      [producer, shipment(carrier.id, { to: "顺丰冷运百色中转仓", shippedAt: "2026-06-01T12:00:00+08:00" })],
      [carrier, { type: "receipt", location: "顺丰冷运百色中转仓", receivedAt: "2026-06-01T13:00:00+08:00" }],
    ] as const) {
      const answer = await h.call("POST", `/api/v1/batches/${harvestedBatchId(lot)}/events`, { token: org.apiKey, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    }
  }

  before(async function () {
    h = await startHarness({ loops: true });
    env = { GATEWAY_URL: h.base, ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    nowhere = { ...env, GATEWAY_URL: `http://127.0.0.1:${await freePort()}` };
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("顺丰冷运", "carrier");
    counter = await h.org("福田区消费扶贫专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  describe("org create", function () {
    it("creates an organisation and prints its API key once (exit 0)", async function () {
      const { exitCode, output } = await runCli(["org", "create", "--name", "乐业猕猴桃合作社", "--role", "producer"], env);
      expect(exitCode).to.equal(0);
      expect(output).to.match(/API key: {2}plk_/);
      const row = h.db.prepare(`SELECT role FROM orgs WHERE name = ?`).get("乐业猕猴桃合作社");
      expect(row).to.deep.equal({ role: "producer" });
    });

    it("prints JSON with --json", async function () {
      const { exitCode, output } = await runCli(["org", "create", "--name", "巴马香猪合作社", "--role", "producer", "--json"], env);
      expect(exitCode).to.equal(0);
      expect(JSON.parse(output)).to.include.keys("id", "address", "apiKey");
    });

    it("exits 1 naming the field when the gateway refuses", async function () {
      const { exitCode, output } = await runCli(["org", "create", "--name", "x", "--role", "farmer"], env);
      expect(exitCode).to.equal(1);
      expect(output).to.match(/role:/);
    });

    it("exits 2 on bad usage and 3 when the gateway cannot be reached", async function () {
      expect((await runCli(["org", "create", "--name", "x"], env)).exitCode).to.equal(2);
      expect((await runCli(["batch", "delete"], env)).exitCode).to.equal(2);
      expect((await runCli(["org", "create", "--name", "x", "--role", "producer"], nowhere)).exitCode).to.equal(3);
    });

    it("with --json, a refusal is one JSON document on stdout naming the field, and the reason on stderr", async function () {
      const { exitCode, stdout, stderr } = await runCli(["org", "create", "--name", "x", "--role", "farmer", "--json"], env);
      expect(exitCode).to.equal(1);
      expect(JSON.parse(stdout).error.fields.map((f: { field: string }) => f.field)).to.deep.equal(["role"]);
      expect(stderr).to.match(/^refused \(400\)/);
    });
  });

  describe("help and usage", function () {
    it("lists every command and the exit codes (exit 0)", async function () {
      const { exitCode, stdout } = await runCli(["--help"], env);
      expect(exitCode).to.equal(0);
      for (const command of ["org create", "member create", "import harvest", "import shipment", "harvest record", "event record", "batch show", "batch verify"]) {
        expect(stdout).to.contain(command);
      }
      expect(stdout).to.match(/4 batch verify: the chain disagrees/);
    });

    it("shows each command's own options, and a group's commands", async function () {
      const show = await runCli(["batch", "show", "--help"], env);
      expect(show.exitCode).to.equal(0);
      expect(show.stdout).to.contain("--gtin GTIN --lot LOT");
      const group = await runCli(["batch", "--help"], env);
      expect(group.stdout).to.contain("batch show").and.to.contain("batch verify");
      expect(JSON.parse((await runCli(["import", "harvest", "--help", "--json"], env)).stdout).usage).to.contain("--good-only");
      expect((await runCli(["import", "shipment", "--help"], env)).stdout).to.contain("收货方(consignee)").and.to.contain("数量(quantity)");
    });

    it("documents in event record's help the shipment's consignee and quantity, and corrections", async function () {
      const { exitCode, stdout } = await runCli(["event", "record", "--help"], env);
      expect(exitCode).to.equal(0);
      expect(stdout).to.match(/--type TYPE\s+processing, shipment, receipt, sale, recall, correction/);
      expect(stdout).to.contain('"consignee" (required)').and.to.contain('"quantity"');
      expect(stdout).to.contain('"declaration":"void"').and.to.contain('"declaration":"supersede"').and.to.contain('"replacement"');
    });

    it("exits 2 with the command's usage on an unknown option, a missing argument or no command", async function () {
      const unknown = await runCli(["batch", "show", "--colour", "red"], env);
      expect(unknown.exitCode).to.equal(2);
      expect(unknown.stderr).to.contain("usage: provenance batch show");
      expect((await runCli(["import", "harvest", "--key", "k"], env)).exitCode).to.equal(2);
      expect((await runCli([], env)).exitCode).to.equal(2);
      const json = await runCli(["batch", "show", "--colour", "red", "--json"], env);
      expect(JSON.parse(json.stdout).error.code).to.equal("usage");
    });
  });

  describe("member create", function () {
    it("creates an organisation's admin member with the password from PROVENANCE_PASSWORD, who then logs into the console", async function () {
      const { exitCode, stdout } = await runCli(
        ["member", "create", "--org", producer.id, "--username", "tianyang.admin", "--display-name", "黄社长", "--admin"],
        { ...env, PROVENANCE_PASSWORD: PASSWORD },
      );
      expect(exitCode).to.equal(0);
      expect(stdout).to.contain("tianyang.admin").and.to.contain("(admin)");
      const login = await new ConsoleClient(h.base).login("tianyang.admin", PASSWORD);
      expect(login.status).to.equal(303);
      expect(login.location).to.equal("/console");
    });

    it("creates a programme office member (--programme), printing JSON with --json", async function () {
      const { exitCode, stdout } = await runCli(["member", "create", "--programme", "--username", "programme.office", "--json"], {
        ...env,
        PROVENANCE_PASSWORD: PASSWORD,
      });
      expect(exitCode).to.equal(0);
      expect(JSON.parse(stdout)).to.include({ username: "programme.office", programme: true, orgId: null });
      expect((await new ConsoleClient(h.base).login("programme.office", PASSWORD)).status).to.equal(303);
    });

    it("asks for the password twice on a terminal, and creates nothing when the two differ", async function () {
      const asked = await runCli(["member", "create", "--org", producer.id, "--username", "tianyang.clerk"], env, {
        terminal: typing(PASSWORD, PASSWORD),
      });
      expect(asked.exitCode).to.equal(0);
      expect((await new ConsoleClient(h.base).login("tianyang.clerk", PASSWORD)).status).to.equal(303);

      const differ = await runCli(["member", "create", "--org", producer.id, "--username", "tianyang.typo"], env, {
        terminal: typing(PASSWORD, "another password"),
      });
      expect(differ.exitCode).to.equal(2);
      expect(differ.stderr).to.contain("differ");
      expect(h.db.prepare(`SELECT count(*) AS n FROM members WHERE username = ?`).get("tianyang.typo")).to.deep.equal({ n: 0 });
    });

    it("takes no password as an argument, and none at all without a terminal (exit 2)", async function () {
      const argument = await runCli(["member", "create", "--org", producer.id, "--username", "a.b.c", "--password", PASSWORD], env);
      expect(argument.exitCode).to.equal(2);
      const none = await runCli(["member", "create", "--org", producer.id, "--username", "a.b.c"], env);
      expect(none.exitCode).to.equal(2);
      expect(none.stderr).to.contain("PROVENANCE_PASSWORD");
      const both = await runCli(["member", "create", "--org", producer.id, "--programme", "--username", "a.b.c"], { ...env, PROVENANCE_PASSWORD: PASSWORD });
      expect(both.exitCode).to.equal(2);
      expect(h.db.prepare(`SELECT count(*) AS n FROM members WHERE username = ?`).get("a.b.c")).to.deep.equal({ n: 0 });
    });

    it("exits 1 naming the field for a bad username or short password, and for an unknown organisation", async function () {
      const withPassword = { ...env, PROVENANCE_PASSWORD: PASSWORD };
      const bad = await runCli(["member", "create", "--org", producer.id, "--username", "x"], withPassword);
      expect(bad.exitCode).to.equal(1);
      expect(bad.stderr).to.match(/\n {2}username: /);
      const short = await runCli(["member", "create", "--org", producer.id, "--username", "short.pass"], { ...env, PROVENANCE_PASSWORD: "abc" });
      expect(short.exitCode).to.equal(1);
      expect(short.stderr).to.match(/\n {2}password: /);
      const unknown = await runCli(["member", "create", "--org", "00000000-0000-4000-8000-000000000000", "--username", "ghost.member"], withPassword);
      expect(unknown.exitCode).to.equal(1);
      expect(unknown.stderr).to.contain("refused (404)");
    });
  });

  describe("harvest record and event record", function () {
    const key = () => ({ ...env, PROVENANCE_API_KEY: producer.apiKey });

    it("records a harvest from inline JSON and from @file, printing the batch (exit 0)", async function () {
      const inline = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-H1")), "--key", producer.apiKey], env);
      expect(inline.exitCode).to.equal(0);
      expect(inline.stdout).to.contain(harvestedBatchId("CLI-H1"));

      const file = path.join(mkdtempSync(path.join(tmpdir(), "cli-")), "harvest.json");
      writeFileSync(file, JSON.stringify(harvest("CLI-H2")));
      const fromFile = await runCli(["harvest", "record", "--data", `@${file}`, "--json"], key());
      expect(fromFile.exitCode).to.equal(0);
      expect(JSON.parse(fromFile.stdout)).to.include({ batchId: harvestedBatchId("CLI-H2"), status: "pending" });
    });

    it("with --wait answers once the chain confirmed it", async function () {
      const { exitCode, stdout } = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-WAIT")), "--wait", "--json"], key());
      expect(exitCode).to.equal(0);
      const answer = JSON.parse(stdout);
      expect(answer.events).to.have.length(1);
      expect(answer.events[0]).to.include({ status: "confirmed", batchId: harvestedBatchId("CLI-WAIT") });
      expect(answer.events[0].blockNumber).to.be.a("number");
    });

    it("exits 1 naming the bad field, or the role, and records nothing", async function () {
      const before = outboxCount();
      const bad = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("has space"))], key());
      expect(bad.exitCode).to.equal(1);
      expect(bad.stderr).to.match(/\n {2}lot: /);
      const carrierHarvest = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-ROLE")), "--key", carrier.apiKey], env);
      expect(carrierHarvest.exitCode).to.equal(1);
      expect(carrierHarvest.stderr).to.contain("refused (403)");
      expect(outboxCount()).to.equal(before);
    });

    it("exits 2 without a key, with --data that is not a JSON object, or a file that cannot be read", async function () {
      expect((await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-NOKEY"))], env)).exitCode).to.equal(2);
      expect((await runCli(["harvest", "record", "--data", "{not json"], key())).exitCode).to.equal(2);
      expect((await runCli(["harvest", "record", "--data", "[1,2]"], key())).exitCode).to.equal(2);
      expect((await runCli(["harvest", "record", "--data", "@/nonexistent/harvest.json"], key())).exitCode).to.equal(2);
    });

    it("records an event on a batch named by --gtin and --lot or by --batch, with --type setting its type", async function () {
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-E1")), "--wait"], key());
      const byGs1 = await runCli(
        ["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-E1", "--type", "processing", "--data", JSON.stringify({ ...packing, type: undefined })],
        key(),
      );
      expect(byGs1.exitCode, byGs1.output).to.equal(0);
      const byId = await runCli(
        ["event", "record", "--batch", harvestedBatchId("CLI-E1"), "--type", "shipment", "--data", JSON.stringify(shipmentData(counter.id)), "--key", producer.apiKey, "--wait", "--json"],
        env,
      );
      expect(byId.exitCode, byId.output).to.equal(0);
      expect(JSON.parse(byId.stdout).events[0].status).to.equal("confirmed");
    });

    it("refuses another organisation's batch, a bad field and an unknown batch (exit 1), and bad usage (exit 2)", async function () {
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-E2")), "--wait"], key());
      const before = outboxCount();
      const other = await runCli(["org", "create", "--name", "乐业合作社", "--role", "producer", "--json"], env);
      const otherKey = JSON.parse(other.stdout).apiKey;
      const foreignRecall = await runCli(
        ["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-E2", "--type", "recall", "--data", JSON.stringify({ ...recall, type: undefined }), "--key", otherKey],
        env,
      );
      expect(foreignRecall.exitCode).to.equal(1);
      expect(foreignRecall.stderr).to.contain("refused (403)");

      const coldInverted = shipmentData(counter.id, { temperature: { min: 12, max: 8 } });
      const bad = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-E2", "--type", "shipment", "--data", JSON.stringify(coldInverted), "--key", carrier.apiKey], env);
      expect(bad.exitCode).to.equal(1);
      expect(bad.stderr).to.match(/\n {2}temperature\.min: /);

      const unknown = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "NO-SUCH-LOT", "--type", "shipment", "--data", JSON.stringify(shipmentData(counter.id)), "--key", carrier.apiKey], env);
      expect(unknown.exitCode).to.equal(1);
      expect(unknown.stderr).to.match(/\n {2}batchId: /);
      expect(outboxCount()).to.equal(before);

      const usage = async (...args: string[]) => (await runCli(["event", "record", ...args, "--key", carrier.apiKey], env)).exitCode;
      expect(await usage("--gtin", MANGO_GTIN, "--lot", "CLI-E2", "--type", "teleport", "--data", "{}")).to.equal(2);
      expect(await usage("--gtin", MANGO_GTIN, "--lot", "CLI-E2", "--type", "receipt", "--data", JSON.stringify(shipment(counter.id)))).to.equal(2);
      expect(await usage("--gtin", "06901234567890", "--lot", "CLI-E2", "--type", "shipment", "--data", "{}")).to.equal(2);
      expect(await usage("--type", "shipment", "--data", "{}")).to.equal(2);
      expect(await usage("--batch", "0x1234", "--type", "shipment", "--data", "{}")).to.equal(2);
    });

    it("prints the rules' refusal, each field named with its words in English and Chinese (exit 1), and records nothing", async function () {
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-RULES"))], key());
      const before = outboxCount();
      const { consignee: _consignee, ...noConsignee } = shipmentData(counter.id);
      const unnamed = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-RULES", "--type", "shipment", "--data", JSON.stringify(noConsignee)], key());
      expect(unnamed.exitCode).to.equal(1);
      expect(unnamed.stderr).to.match(/\n {2}consignee: /);

      const sale = { quantity: { amount: 3, unit: "box" }, amountCny: 237, channel: "counter", soldAt: "2026-06-03" };
      const neverReceived = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-RULES", "--type", "sale", "--data", JSON.stringify(sale), "--key", counter.apiKey], env);
      expect(neverReceived.exitCode).to.equal(1);
      expect(neverReceived.stderr).to.contain("refused (409)");
      expect(neverReceived.stderr).to.contain(
        "\n  batchId: this counter (福田区消费扶贫专柜) has not received this batch: it is held by 田阳芒果专业合作社 (1200 kg)" +
          "\n    这个专柜（福田区消费扶贫专柜）没有收到过这个批次：它现由田阳芒果专业合作社（1200 kg）持有",
      );

      const tooMuch = shipmentData(counter.id, { quantity: { amount: 300, unit: "box" } });
      const more = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-RULES", "--type", "shipment", "--data", JSON.stringify(tooMuch), "--json"], key());
      expect(more.exitCode).to.equal(1);
      expect(JSON.parse(more.stdout).error.fields).to.deep.equal([
        {
          field: "quantity.amount",
          message: "田阳芒果专业合作社 holds 1200 kg of this batch, less than the 300 box recorded",
          zh: "田阳芒果专业合作社只持有这个批次 1200 kg，少于登记的 300 box",
        },
      ]);
      expect(outboxCount()).to.equal(before);
    });

    it("refuses to write for an organisation that signs with its own key (exit 1)", async function () {
      const own = await h.org("自签合作社", "producer", "0x000000000000000000000000000000000000dEaD");
      const { exitCode, stderr } = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-OWN")), "--key", own.apiKey], env);
      expect(exitCode).to.equal(1);
      expect(stderr).to.contain("signs its own events");
    });

    it("exits 3 when the gateway cannot be reached", async function () {
      const { exitCode, stderr } = await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-NOWHERE")), "--key", producer.apiKey], nowhere);
      expect(exitCode).to.equal(3);
      expect(stderr).to.contain("cannot reach the gateway");
    });
  });

  describe("batch show and batch verify", function () {
    before(async function () {
      const withKey = { ...env, PROVENANCE_API_KEY: producer.apiKey };
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-SHOW"))], withKey);
      await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-SHOW", "--type", "processing", "--data", JSON.stringify(packing)], withKey);
      // The cooperative ships it to the carrier, which receives it and ships it on to the counter.
      const keys = { holder: producer.apiKey, carrier: carrier.apiKey, consignee: counter.apiKey };
      for (const [leg, { type, ...data }] of viaCarrier(carrier.id, counter.id).slice(0, 3)) {
        const step = await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-SHOW", "--type", String(type), "--data", JSON.stringify(data), "--key", keys[leg]], env);
        expect(step.exitCode, step.output).to.equal(0);
      }
      await h.settle();
      const certifier = await h.org("深圳标准认证", "certifier");
      const certified = await h.call("POST", `/api/v1/batches/${harvestedBatchId("CLI-SHOW")}/certifications`, {
        token: certifier.apiKey,
        body: certification("SZ-CLI-0001"),
      });
      expect(certified.status).to.equal(202);
      await runCli(["event", "record", "--gtin", MANGO_GTIN, "--lot", "CLI-SHOW", "--type", "recall", "--data", JSON.stringify(recall)], withKey);
      await h.settle();
    });

    it("prints the journey: product, origin, each event in order with who, when and what, 圳品 status and the recall", async function () {
      const { exitCode, stdout } = await runCli(["batch", "show", harvestedBatchId("CLI-SHOW")], env);
      expect(exitCode).to.equal(0);
      expect(stdout).to.contain("田阳香芒 · 台农一号").and.to.contain("百色市田阳区 那坡镇 田阳芒果供深基地 (451003)");
      expect(stdout).to.match(/圳品\s+valid: certificate SZ-CLI-0001, until 2099-12-31 23:59/);
      expect(stdout).to.contain("RECALLED: 农残抽检超标 (2026-06-04 10:00)");
      const journey = stdout.split("\n").filter((line) => /^ {2}\d+\. /.test(line));
      expect(journey).to.deep.equal([
        "  1. 2026-06-01 08:00  harvest    田阳芒果专业合作社 (producer)",
        "  2. 2026-06-01 18:00  processing 田阳芒果专业合作社 (producer)",
        "  3. 2026-06-02 06:00  shipment   田阳芒果专业合作社 (producer)",
        "  4. 2026-06-02 07:00  receipt    顺丰冷运 (carrier)",
        "  5. 2026-06-02 08:00  shipment   顺丰冷运 (carrier)",
        "  6. 2026-06-04 10:00  recall     田阳芒果专业合作社 (producer)",
      ]);
      // Without the writer's key, no licence plate: it is always private.
      expect(stdout).to.contain("百色市田阳区 → 深圳市福田区, 8–12 °C, 1200 kg, to 顺丰冷运");
      expect(stdout).to.contain("百色市田阳区 → 深圳市福田区, 8–12 °C, 1200 kg, to 福田区消费扶贫专柜");
      expect(stdout).not.to.contain("桂L");
      expect(stdout).to.match(/\n {2}custody +on its way to 福田区消费扶贫专柜 \(1200 kg\)\n/);
    });

    it("finds the batch by --gtin and --lot, and prints the API's JSON with --json", async function () {
      const { exitCode, stdout } = await runCli(["batch", "show", "--gtin", MANGO_GTIN, "--lot", "CLI-SHOW", "--json"], env);
      expect(exitCode).to.equal(0);
      const batch = JSON.parse(stdout);
      expect(batch.batchId).to.equal(harvestedBatchId("CLI-SHOW"));
      expect(batch.events.map((e: { type: string }) => e.type)).to.deep.equal(["harvest", "processing", "shipment", "receipt", "shipment", "recall"]);
    });

    it("exits 1 for a batch the chain does not hold, 2 for a malformed id, 3 when the gateway cannot be reached", async function () {
      const missing = await runCli(["batch", "show", harvestedBatchId("NO-SUCH-LOT")], env);
      expect(missing.exitCode).to.equal(1);
      expect(missing.stderr).to.contain("refused (404)");
      expect((await runCli(["batch", "show", "0xnothex"], env)).exitCode).to.equal(2);
      expect((await runCli(["batch", "show", harvestedBatchId("CLI-SHOW"), "--gtin", MANGO_GTIN], env)).exitCode).to.equal(2);
      expect((await runCli(["batch", "show", harvestedBatchId("CLI-SHOW")], nowhere)).exitCode).to.equal(3);
    });

    it("verify prints OK and how many events it checked (exit 0), or JSON with --json", async function () {
      const ok = await runCli(["batch", "verify", harvestedBatchId("CLI-SHOW")], env);
      expect(ok.exitCode).to.equal(0);
      expect(ok.stdout).to.match(/^OK: 6 events checked against the chain/);
      const json = await runCli(["batch", "verify", "--gtin", MANGO_GTIN, "--lot", "CLI-SHOW", "--json"], env);
      expect(JSON.parse(json.stdout)).to.include({ ok: true });
      const missing = await runCli(["batch", "verify", harvestedBatchId("NO-SUCH-LOT")], env);
      expect(missing.exitCode).to.equal(1);
      expect((await runCli(["batch", "verify", harvestedBatchId("CLI-SHOW")], nowhere)).exitCode).to.equal(3);
    });

    it("verify exits 4 and prints the problem when the detail the gateway serves no longer matches the chain", async function () {
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-TAMPER")), "--key", producer.apiKey, "--wait"], env);
      // Someone edits the gateway's database behind its back: the chain still holds the original hash.
      h.db
        .prepare(`UPDATE event_details SET detail = replace(detail, '1200', '9999') WHERE data_hash IN (SELECT data_hash FROM outbox WHERE batch_id = ?)`)
        .run(harvestedBatchId("CLI-TAMPER"));
      const { exitCode, stdout, stderr } = await runCli(["batch", "verify", harvestedBatchId("CLI-TAMPER")], env);
      expect(exitCode).to.equal(4);
      expect(stdout).to.match(/event 0: the detail hashes to 0x[0-9a-f]{64}, the chain recorded 0x[0-9a-f]{64}/);
      expect(stderr).to.contain("the chain disagrees");
      const json = await runCli(["batch", "verify", harvestedBatchId("CLI-TAMPER"), "--json"], env);
      expect(json.exitCode).to.equal(4);
      expect(JSON.parse(json.stdout)).to.include({ ok: false });
    });
  });

  describe("a correction round trip", function () {
    it("records a sale, voids it with --type correction, and batch show says the sale is void", async function () {
      const producerKey = { ...env, PROVENANCE_API_KEY: producer.apiKey };
      const counterKey = { ...env, PROVENANCE_API_KEY: counter.apiKey };
      const on = ["--gtin", MANGO_GTIN, "--lot", "CLI-CORR"];
      const steps: Array<[string[], Record<string, string>]> = [
        [["harvest", "record", "--data", JSON.stringify(harvest("CLI-CORR"))], producerKey],
        [["event", "record", ...on, "--type", "shipment", "--data", JSON.stringify(shipmentData(counter.id))], producerKey],
        [["event", "record", ...on, "--type", "receipt", "--data", JSON.stringify({ location: "福田区消费扶贫专柜", receivedAt: "2026-06-03T09:00:00+08:00" })], counterKey],
      ];
      for (const [argv, withKey] of steps) {
        const step = await runCli(argv, withKey);
        expect(step.exitCode, step.output).to.equal(0);
      }
      const sale = { quantity: { amount: 20, unit: "box" }, amountCny: 1580.5, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" };
      const sold = await runCli(["event", "record", ...on, "--type", "sale", "--data", JSON.stringify(sale), "--json"], counterKey);
      expect(sold.exitCode, sold.output).to.equal(0);
      const saleId = JSON.parse(sold.stdout).eventId;
      await h.settle();

      // Only the organisation that recorded the sale (or the programme office) may correct it.
      const stranger = await runCli(
        ["event", "record", ...on, "--type", "correction", "--data", JSON.stringify({ corrects: saleId, declaration: "void", reason: "不是我们卖的" })],
        { ...env, PROVENANCE_API_KEY: carrier.apiKey },
      );
      expect(stranger.exitCode).to.equal(1);
      expect(stranger.stderr).to.match(/\n {2}corrects: only the organisation that recorded the event \(福田区消费扶贫专柜\)/);

      const voided = await runCli(
        ["event", "record", ...on, "--type", "correction", "--data", JSON.stringify({ corrects: saleId, declaration: "void", reason: "录错了：这笔没有卖出" }), "--wait"],
        counterKey,
      );
      expect(voided.exitCode, voided.output).to.equal(0);
      await h.settle();

      const { exitCode, stdout } = await runCli(["batch", "show", ...on], env);
      expect(exitCode).to.equal(0);
      const journey = stdout.split("\n").filter((line) => /^ {2}\d+\. /.test(line));
      expect(journey.map((line) => line.replace(/^ {2}\d+\. \S+ \S+ {2}/, ""))).to.deep.equal([
        "harvest    田阳芒果专业合作社 (producer)",
        "shipment   田阳芒果专业合作社 (producer)",
        "receipt    福田区消费扶贫专柜 (retailer)",
        "sale       福田区消费扶贫专柜 (retailer)   VOID",
        "correction 福田区消费扶贫专柜 (retailer)",
      ]);
      expect(stdout).to.contain("       void, declared by event 5: 录错了：这笔没有卖出");
      expect(stdout).to.contain("       declares event 4 (sale) void: 录错了：这笔没有卖出");
      // The voided sale no longer took anything: the counter holds all it received.
      expect(stdout).to.match(/\n {2}custody +held by 福田区消费扶贫专柜 \(1200 kg\)\n/);

      // A void is final: the same sale cannot be voided twice.
      const again = await runCli(
        ["event", "record", ...on, "--type", "correction", "--data", JSON.stringify({ corrects: saleId, declaration: "void", reason: "再次作废" })],
        counterKey,
      );
      expect(again.exitCode).to.equal(1);
      expect(again.stderr).to.match(/\n {2}corrects: this event is void already\n {4}这条记录已经作废/);
    });
  });

  describe("import", function () {
    const HARVEST_HEADER = "产品名称,品种,商品条码,批次号,县区代码,乡镇村,基地,数量,单位,采收时间,备注";
    const harvestRow = (lot: string, { gtin = MANGO_GTIN, amount = "1200" } = {}) =>
      `田阳香芒,台农一号,${gtin},${lot},451003,那坡镇,田阳芒果供深基地,${amount},kg,2026-06-01 08:00,`;
    const folder = mkdtempSync(path.join(tmpdir(), "cli-import-"));
    const csv = (name: string, lines: string[]) => {
      const file = path.join(folder, name);
      writeFileSync(file, `\uFEFF${lines.join("\r\n")}\r\n`);
      return file;
    };
    const harvestsOf = (lots: string[]) =>
      h.db
        .prepare(`SELECT batch_id FROM outbox WHERE kind = 0 AND batch_id IN (${lots.map(() => "?").join(",")})`)
        .all(...lots.map((lot) => harvestedBatchId(lot))) as { batch_id: string }[];
    // Two good rows, and two bad ones: line 3 a GTIN with a wrong check digit, line 4 no quantity.
    const mixedLots = ["CLIIMP-01", "CLIIMP-02", "CLIIMP-03", "CLIIMP-04"];
    let mixed: string;
    const withKey = () => ({ ...env, PROVENANCE_API_KEY: producer.apiKey });

    before(function () {
      mixed = csv("采收-混合.csv", [
        HARVEST_HEADER,
        harvestRow("CLIIMP-01"),
        harvestRow("CLIIMP-02", { gtin: "06901234567893" }),
        harvestRow("CLIIMP-03", { amount: "0" }),
        harvestRow("CLIIMP-04"),
      ]);
    });

    it("prints each bad row's line, column and problem, and without --good-only records nothing (exit 1)", async function () {
      const before = outboxCount();
      const { exitCode, stdout, stderr } = await runCli(["import", "harvest", mixed], withKey());
      expect(exitCode).to.equal(1);
      expect(stdout).to.contain("4 rows, 2 bad");
      expect(stdout).to.match(/\n {2}line 3, 商品条码: must be a GTIN/);
      expect(stdout).to.match(/\n {2}line 4, 数量: must be more than 0/);
      expect(stderr).to.contain("nothing was recorded").and.to.contain("--good-only");
      expect(outboxCount()).to.equal(before);
      expect(h.db.prepare(`SELECT status FROM csv_imports`).all()).to.deep.equal([{ status: "validated" }]);
    });

    it("with --good-only records the good rows, drawing the progress on stderr (exit 0)", async function () {
      const { exitCode, stdout, stderr } = await runCli(["import", "harvest", mixed, "--good-only"], withKey(), { pollIntervalMs: 20 });
      expect(exitCode, stderr).to.equal(0);
      expect(stderr).to.contain("uploaded before"); // the first attempt stored the import
      expect(stderr).to.match(/(^|\n)recorded 2\/2 \[#{20}\] 100%\n/);
      expect(stdout).to.contain("2 of 4 rows recorded; 2 bad rows skipped");
      expect(harvestsOf(mixedLots).map((r) => r.batch_id).sort()).to.deep.equal([harvestedBatchId("CLIIMP-01"), harvestedBatchId("CLIIMP-04")].sort());
    });

    it("run again with the same file, answers the same import and records nothing twice; --json prints it", async function () {
      const before = outboxCount();
      const { exitCode, stdout } = await runCli(["import", "harvest", mixed, "--good-only", "--json"], withKey());
      expect(exitCode).to.equal(0);
      const view = JSON.parse(stdout);
      expect(view).to.include({ status: "done", totalRows: 4, badRows: 2, recorded: 2, goodOnly: true });
      expect(view.problems.map((p: { line: number; field: string }) => [p.line, p.field])).to.deep.equal([
        [3, "商品条码"],
        [4, "数量"],
      ]);
      expect(outboxCount()).to.equal(before);
      expect(h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get()).to.deep.equal({ n: 1 });
    });

    it("interrupted while recording, carries on when run again: every row recorded exactly once", async function () {
      const lots = Array.from({ length: 250 }, (_, i) => `CLIRES-${String(i).padStart(3, "0")}`);
      const file = csv("采收-大.csv", [HARVEST_HEADER, ...lots.map((lot) => harvestRow(lot))]);
      // The runner is held still so the interruption lands mid-import, whatever the machine's speed.
      await h.gateway.importRunner.stop();
      try {
        const ctrlC = new AbortController();
        const interrupting: Terminal = {
          stdout: () => {},
          stderr: (text) => {
            if (text.startsWith("recorded")) ctrlC.abort();
          },
          stderrIsTty: false,
        };
        const first = await runCli(["import", "harvest", file], withKey(), { terminal: interrupting, signal: ctrlC.signal, pollIntervalMs: 20 });
        expect(first.exitCode).to.equal(130);
        expect(first.stderr).to.match(/recorded 0\/250 /);
        expect(first.stderr).to.contain("run the same command again");
        await h.gateway.importRunner.tick(); // the gateway records a first chunk on its own
        const partly = harvestsOf(lots).length;
        expect(partly).to.be.greaterThan(0).and.lessThan(250);
      } catch (error) {
        h.gateway.importRunner.start();
        throw error;
      }
      // The runner starts again only once the second run has found the import still under way.
      const resuming: Terminal = {
        stdout: () => {},
        stderr: (text) => {
          if (text.includes("uploaded before")) h.gateway.importRunner.start();
        },
        stderrIsTty: false,
      };
      const again = await runCli(["import", "harvest", file, "--json"], withKey(), { terminal: resuming, pollIntervalMs: 20 });
      h.gateway.importRunner.start();
      expect(again.exitCode, again.stderr).to.equal(0);
      expect(again.stderr).to.contain("uploaded before").and.to.contain(", importing\n");
      expect(JSON.parse(again.stdout)).to.include({ status: "done", recorded: 250 });
      const recorded = harvestsOf(lots).map((r) => r.batch_id);
      expect(recorded).to.have.length(250);
      expect(new Set(recorded).size).to.equal(250);
    });

    it("imports shipments with the carrier's key, of batches it has received", async function () {
      await toCarrier("CLIIMP-01");
      await toCarrier("CLIIMP-04");
      const file = csv("发运.csv", [
        "商品条码,批次号,收货方,发出地,目的地,车辆,最低温度,最高温度,发运时间,备注",
        `${MANGO_GTIN},CLIIMP-01,福田区消费扶贫专柜,百色市田阳区,深圳市福田区,桂L·12345,8,12,2026-06-02 06:00,`,
        `${MANGO_GTIN},CLIIMP-04,${counter.id},百色市田阳区,深圳市福田区,桂L·12345,8,12,2026-06-02,`,
      ]);
      const { exitCode, stdout } = await runCli(["import", "shipment", file, "--key", carrier.apiKey, "--json"], env, { pollIntervalMs: 20 });
      expect(exitCode).to.equal(0);
      expect(JSON.parse(stdout)).to.include({ kind: "shipment", status: "done", recorded: 2 });
      const shipments = h.db
        .prepare(`SELECT batch_id FROM outbox WHERE kind = 2 AND org_id = ? AND batch_id IN (?, ?)`)
        .all(carrier.id, harvestedBatchId("CLIIMP-01"), harvestedBatchId("CLIIMP-04"));
      expect(shipments).to.have.length(2);
    });

    it("exits 1 naming the row when a good row is refused while recording (its batch was recalled meanwhile)", async function () {
      await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("CLIIMP-R") });
      await toCarrier("CLIIMP-R");
      const file = csv("发运-召回.csv", [
        "商品条码,批次号,收货方,发出地,目的地,车辆,最低温度,最高温度,发运时间,备注",
        `${MANGO_GTIN},CLIIMP-R,福田区消费扶贫专柜,百色市田阳区,深圳市福田区,桂L·12345,8,12,2026-06-02 06:00,`,
      ]);
      await h.gateway.importRunner.stop();
      // Once the import is started (the first progress line), the producer recalls the batch; then the runner goes on.
      const recallMeanwhile: Terminal = {
        stdout: () => {},
        stderr: (text) => {
          if (!text.startsWith("recorded 0/1")) return;
          void h
            .call("POST", `/api/v1/batches/${harvestedBatchId("CLIIMP-R")}/events`, { token: producer.apiKey, body: recall })
            .finally(() => h.gateway.importRunner.start());
        },
        stderrIsTty: false,
      };
      let result;
      try {
        result = await runCli(["import", "shipment", file, "--key", carrier.apiKey], env, { terminal: recallMeanwhile, pollIntervalMs: 20 });
      } finally {
        h.gateway.importRunner.start();
      }
      expect(result.exitCode, result.output).to.equal(1);
      expect(result.stdout).to.contain("0 of 1 row recorded");
      expect(result.stdout).to.match(/\n {2}line 2, 批次号: .*recalled/);
      expect(result.stderr).to.match(/recorded 0\/1, 1 refused \[#{20}\] 100%/);
      expect(result.stderr).to.contain("1 row could not be recorded");
    });

    it("refuses a file of the wrong kind for the role, an empty file, and a missing column (exit 1, naming it)", async function () {
      const before = outboxCount();
      const wrongRole = await runCli(["import", "harvest", mixed, "--key", carrier.apiKey], env);
      expect(wrongRole.exitCode).to.equal(1);
      expect(wrongRole.stderr).to.contain("refused (403)");
      const empty = await runCli(["import", "harvest", csv("空.csv", [])], withKey());
      expect(empty.exitCode).to.equal(1);
      expect(empty.stderr).to.match(/\n {2}file: /);
      const noTime = await runCli(["import", "harvest", csv("缺列.csv", ["产品名称,商品条码,批次号,县区代码,数量,单位", `田阳香芒,${MANGO_GTIN},CLIIMP-09,451003,10,kg`])], withKey());
      expect(noTime.exitCode).to.equal(1);
      expect(noTime.stderr).to.match(/\n {2}采收时间: /);
      expect(outboxCount()).to.equal(before);
    });

    it("exits 2 without a key or a readable file, and 3 when the gateway cannot be reached", async function () {
      expect((await runCli(["import", "harvest", mixed], env)).exitCode).to.equal(2);
      expect((await runCli(["import", "harvest", path.join(folder, "nonexistent.csv")], withKey())).exitCode).to.equal(2);
      expect((await runCli(["import", "harvest", mixed, "--key", producer.apiKey], nowhere)).exitCode).to.equal(3);
    });
  });

  describe("bin/provenance", function () {
    const run = (args: string[], extraEnv: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        // Asynchronous: the gateway answering it runs in this very process.
        execFile(path.join(ROOT, "bin/provenance"), args, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? "", ...extraEnv } }, (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
        });
      });

    it("runs from any folder: its stdout is one JSON document, and its exit code is the command's", async function () {
      await runCli(["harvest", "record", "--data", JSON.stringify(harvest("CLI-BIN")), "--key", producer.apiKey, "--wait"], env);
      const verified = await run(["batch", "verify", harvestedBatchId("CLI-BIN"), "--json"], { GATEWAY_URL: h.base });
      expect(verified.code, verified.stderr).to.equal(0);
      expect(JSON.parse(verified.stdout)).to.include({ ok: true });
      const unreachable = await run(["batch", "verify", harvestedBatchId("CLI-BIN")], nowhere);
      expect(unreachable.code).to.equal(3);
      expect(unreachable.stdout).to.equal("");
      expect(unreachable.stderr).to.contain("cannot reach the gateway");
    });
  });
});

describe("cli: a journey as batch show prints it", function () {
  const event = (position: number, type: string, detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    position,
    type,
    signer: { address: "0x1", organisation: { name: "福田区消费扶贫专柜", role: "retailer" } },
    detail,
    detailMatchesChain: true,
    inputs: [],
    proof: { timestamp: "2026-06-05T02:00:00.000Z", transactionHash: "0xt", blockNumber: 1, dataHash: `0x${String(position).repeat(64)}` },
    ...extra,
  });
  const view = (events: ReturnType<typeof event>[], extra: Record<string, unknown> = {}) => ({
    batchId: "0xb",
    gtin: MANGO_GTIN,
    lot: "J-1",
    product: { name: "田阳香芒" },
    origin: null,
    creator: { address: "0x1", organisation: null },
    createdAt: "2026-06-01T00:00:00.000Z",
    recall: { recalled: false, self: false, viaInputs: [] },
    certification: { status: "none" },
    lineage: { inputs: [], outputs: [] },
    events,
    unconfirmedEvents: [],
    proof: { chainId: 31337, contract: "0xc", head: "0xh", eventCount: events.length },
    ...extra,
  });
  const sale = { quantity: { amount: 20, unit: "box" }, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" };

  it("marks a superseded event and says what the correction put in its place; marks an event that breaks a rule", function () {
    const text = formatJourney(
      view(
        [
          event(0, "sale", sale, { status: "superseded" }),
          event(1, "correction", {
            corrects: `0x${"0".repeat(64)}`,
            correctsKind: "sale",
            declaration: "supersede",
            reason: "数量录错",
            replacement: { ...sale, type: "sale", quantity: { amount: 2, unit: "box" } },
          }),
          event(2, "sale", sale),
        ],
        { findings: [{ dataHash: `0x${"2".repeat(64)}`, message: "this counter has not received this batch" }] },
      ) as never,
    );
    const lines = text.split("\n");
    expect(lines.find((line) => line.startsWith("  1. "))).to.match(/sale +福田区消费扶贫专柜 \(retailer\) {3}SUPERSEDED$/);
    expect(text).to.contain("       superseded by event 2: 数量录错");
    expect(text).to.contain("       supersedes event 1 (sale): 数量录错; now: 2 box, counter");
    expect(lines.find((line) => line.startsWith("  3. "))).not.to.match(/SUPERSEDED|VOID/);
    expect(text).to.contain("       ! breaks a rule: this counter has not received this batch");
  });

  it("works out void from the correction itself when the gateway gives no status", function () {
    const text = formatJourney(
      view([event(0, "sale", sale), event(1, "correction", { corrects: `0x${"0".repeat(64)}`, correctsKind: "sale", declaration: "void", reason: "录错" })]) as never,
    );
    expect(text).to.match(/ {2}1\. .* {3}VOID\n/).and.to.contain("void, declared by event 2: 录错").and.to.contain("declares event 1 (sale) void: 录错");
  });
});

describe("cli: progress bar", function () {
  it("draws the count, a bar and the percentage", function () {
    expect(progressLine(4200, 10000)).to.equal("recorded 4200/10000 [########------------] 42%");
    expect(progressLine(0, 0)).to.equal("recorded 0/0 [####################] 100%");
  });

  it("writes one line per tenth of the way when stderr is not a terminal", function () {
    const written: string[] = [];
    const bar = new ProgressBar((text) => written.push(text), false);
    for (let recorded = 0; recorded <= 1000; recorded += 7) bar.update(recorded, 1000);
    bar.update(1000, 1000);
    bar.end();
    expect(written.map((line) => line.replace(/ \[.*\n$/, ""))).to.deep.equal([
      "recorded 0/1000",
      "recorded 105/1000",
      "recorded 203/1000",
      "recorded 301/1000",
      "recorded 406/1000",
      "recorded 504/1000",
      "recorded 602/1000",
      "recorded 700/1000",
      "recorded 805/1000",
      "recorded 903/1000",
      "recorded 1000/1000",
    ]);
    expect(written.every((line) => line.endsWith("\n"))).to.equal(true);
  });

  it("redraws one line in place on a terminal, and ends it before anything else is written", function () {
    const written: string[] = [];
    const bar = new ProgressBar((text) => written.push(text), true);
    bar.update(1, 4);
    bar.update(1, 4);
    bar.update(4, 4);
    bar.end();
    expect(written).to.deep.equal([
      "\rrecorded 1/4 [#####---------------] 25%\x1b[K",
      "\rrecorded 4/4 [####################] 100%\x1b[K",
      "\n",
    ]);
  });
});
