/**
 * The producer's console over HTTP, as a phone without script uses it: registering a harvest
 * with a photo and following it onto the chain, the county picker, errors beside their fields
 * with nothing written, other organisations' batches, serials and labels, recall, and an
 * organisation that signs with its own key.
 */
import { expect } from "chai";
import { keccak256, Wallet } from "ethers";
import { batchIdFor } from "../../server/domain/gs1";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, MANGO_GTIN } from "../../scripts/lib/payloads";
import { CLOCK_ALLOWANCE_MS } from "../../server/services/ledger-rules/origin-rules";

const PASSWORD = "correct horse battery";
/** A 1 × 1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** The form row of `name` holds an error message (the error is beside the field). */
function errorBeside(page: string, name: string): string | undefined {
  const start = page.indexOf(`data-field="${name}"`);
  if (start < 0) return undefined;
  const row = page.slice(start, page.indexOf("</div>", start));
  return /class="field-error"[^>]*>([^<]+)</.exec(row)?.[1];
}

function harvestForm(lot: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    productName: "田阳香芒",
    variety: "台农一号",
    gtin: MANGO_GTIN,
    lot,
    province: "45",
    countyCode: "451003",
    village: "那坡镇",
    base: "田阳芒果供深基地",
    amount: "1200",
    unit: "kg",
    harvestedAt: "2026-06-01",
    harvestTime: "08:00",
    notes: "头茬果",
    ...overrides,
  };
}

const countOf = (h: Harness, table: string) => (h.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("console: the producer", function () {
  this.timeout(120_000);
  let h: Harness;
  let coop: ConsoleClient;

  before(async function () {
    h = await startHarness();
    const tianyang = await h.org("田阳芒果专业合作社", "producer");
    const leye = await h.org("乐业猕猴桃合作社", "producer");
    const ownKey = await h.org("自签合作社", "producer", Wallet.createRandom().address);
    const packer = await h.org("百色分拣中心", "processor");
    await h.member(tianyang.id, "tianyang", PASSWORD);
    await h.member(leye.id, "leye", PASSWORD);
    await h.member(ownKey.id, "ownkey", PASSWORD);
    await h.member(packer.id, "packer", PASSWORD);
    coop = new ConsoleClient(h.base);
    expect((await coop.login("tianyang", PASSWORD)).status).to.equal(303);
  });

  after(async function () {
    await h?.stop();
  });

  it("registers a harvest with a photo, shows it pending, then confirmed on its page, with the photo's hash on chain", async function () {
    const form = await coop.get("/console/batches/new?province=45");
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`<optgroup label="百色市">`).and.to.contain(`value="451003"`);

    const answer = await coop.post("/console/batches/new", harvestForm("TY2026-001"), {
      files: { photos: { name: "mango.png", type: "image/png", data: PNG } },
    });
    const batchId = batchIdFor(MANGO_GTIN, "TY2026-001");
    expect(answer.status, answer.text).to.equal(303);
    expect(answer.location).to.equal(`/console/batches/${batchId}`);

    const pending = await coop.get(answer.location!);
    expect(pending.status).to.equal(200);
    expect(pending.text).to.match(/data-status="(pending|submitted)"/);
    expect(pending.text).to.contain(`<meta http-equiv="refresh" content="3">`);
    expect(pending.text).to.contain("百色市田阳区");

    const list = await coop.get("/console/batches");
    expect(list.text).to.contain(`href="/console/batches/${batchId}"`).and.to.contain("TY2026-001").and.to.contain("待上链");

    await h.settle();
    const confirmed = await coop.get(answer.location!);
    expect(confirmed.text).to.contain(`data-status="confirmed"`).and.not.to.match(/data-status="(pending|submitted)"/);
    expect(confirmed.text).not.to.contain(`http-equiv="refresh"`);
    expect(confirmed.text).to.contain(`href="/p/${batchId}"`).and.to.contain(`/01/${MANGO_GTIN}/10/TY2026-001/qr.svg`);

    const hash = keccak256(PNG);
    const onChain = await h.call("GET", `/api/v1/batches/${batchId}`);
    const detail = onChain.body.events[0].detail;
    expect(onChain.body.events[0].detailMatchesChain).to.equal(true);
    expect(detail.photoHashes).to.deep.equal([hash]);
    expect(detail.origin).to.deep.equal({ countyCode: "451003", county: "百色市田阳区", village: "那坡镇", base: "田阳芒果供深基地" });
    expect(detail.quantity).to.deep.equal({ amount: 1200, unit: "kg" });
    expect(detail.harvestedAt).to.equal("2026-06-01T08:00:00+08:00");
    expect(confirmed.text).to.contain(`src="/photos/${hash}"`);

    const photo = await fetch(`${h.base}/photos/${hash}`);
    expect(photo.status).to.equal(200);
    expect(photo.headers.get("content-type")).to.equal("image/png");
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).to.equal(true);
    expect((await fetch(`${h.base}/photos/0x${"ab".repeat(32)}`)).status).to.equal(404);
  });

  it("keeps what was typed when the province changes, and lists that province's counties by prefecture", async function () {
    await coop.get("/console/batches/new");
    const answer = await coop.post("/console/batches/new", { ...harvestForm("TY2026-X"), province: "44", countyCode: "451003", refresh: "province" });
    expect(answer.status).to.equal(200);
    expect(answer.text).to.contain(`value="TY2026-X"`).and.to.contain(`<optgroup label="河源市">`).and.to.contain(`value="441621"`);
    expect(answer.text).not.to.contain(`value="451003" selected`);
    expect(answer.text).not.to.contain("field-error");
  });

  it("refuses bad fields with the error beside each, in the member's language, and writes nothing", async function () {
    const outbox = countOf(h, "outbox");
    const photos = countOf(h, "photos");
    await coop.get("/console/batches/new");
    const bad = await coop.post(
      "/console/batches/new",
      harvestForm("", { gtin: "06901234567890", countyCode: "459999", amount: "很多", unit: "barrel", harvestedAt: "" }),
      { files: { photos: { name: "mango.png", type: "image/png", data: Buffer.concat([PNG, Buffer.from("other")]) } } },
    );
    expect(bad.status).to.equal(400);
    expect(errorBeside(bad.text, "gtin")).to.equal("商品条码位数或校验位不对");
    expect(errorBeside(bad.text, "lot")).to.equal("必填");
    expect(errorBeside(bad.text, "countyCode")).to.equal("459999 不是县级行政区划代码");
    expect(errorBeside(bad.text, "amount")).to.equal("必须是数字");
    expect(errorBeside(bad.text, "unit")).to.equal("请从列表中选择");
    expect(errorBeside(bad.text, "harvestedAt")).to.equal("必填");
    expect(errorBeside(bad.text, "productName")).to.equal(undefined);
    expect(bad.text).to.contain(`value="田阳香芒"`); // what was typed stays
    expect(countOf(h, "outbox")).to.equal(outbox);
    expect(countOf(h, "photos")).to.equal(photos);

    const english = await coop.post("/console/batches/new?lang=en", harvestForm("TY2026-002", { amount: "-5" }));
    expect(english.status).to.equal(400);
    expect(errorBeside(english.text, "amount")).to.equal("Must be more than 0");

    const notImage = await coop.post("/console/batches/new", harvestForm("TY2026-002"), {
      files: { photos: { name: "notes.png", type: "image/png", data: Buffer.from("GIF89a not a png at all") } },
    });
    expect(notImage.status).to.equal(400);
    expect(errorBeside(notImage.text, "photos")).to.contain("notes.png");
    expect(countOf(h, "outbox")).to.equal(outbox);
    expect(countOf(h, "photos")).to.equal(photos);
  });

  it("refuses a lot the GTIN already has, beside the lot, and keeps no photo of the refused harvest", async function () {
    const outbox = countOf(h, "outbox");
    const photos = countOf(h, "photos");
    await coop.get("/console/batches/new?lang=zh");
    const taken = await coop.post("/console/batches/new", harvestForm("TY2026-001"), {
      files: { photos: { name: "second.png", type: "image/png", data: Buffer.concat([PNG, Buffer.from("second photo")]) } },
    });
    expect(taken.status).to.equal(409);
    expect(errorBeside(taken.text, "lot")).to.contain("已经有这个批次号");
    expect(countOf(h, "outbox")).to.equal(outbox);
    expect(countOf(h, "photos")).to.equal(photos);
  });

  it("sends the county code alone, keeps a date without a time as a date, and records a box weight", async function () {
    await coop.get("/console/batches/new");
    const form = await coop.get("/console/batches/new");
    expect(form.text, "the day starts as today, the time empty").to.match(/name="harvestedAt" value="\d{4}-\d{2}-\d{2}"/).and.to.match(/name="harvestTime" value=""/);
    const answer = await coop.post("/console/batches/new", harvestForm("TY2026-DAY", { harvestTime: "", conversionUnit: "box", conversionKg: "5" }));
    expect(answer.status, answer.text).to.equal(303);
    await h.settle();
    const detail = (await h.call("GET", `/api/v1/batches/${batchIdFor(MANGO_GTIN, "TY2026-DAY")}`)).body.events[0].detail;
    expect(detail.harvestedAt).to.equal("2026-06-01");
    expect(detail.conversion).to.deep.equal({ unit: "box", kg: 5 });
    expect(detail.origin.county, "named from the code").to.equal("百色市田阳区");
    const row = h.db.prepare(`SELECT detail FROM outbox WHERE batch_id = ?`).get(batchIdFor(MANGO_GTIN, "TY2026-DAY")) as { detail: string };
    expect(row.detail).to.contain(`"harvestedAt":"2026-06-01"`);
  });

  it("refuses a harvest dated in the future and a box weight without its unit, beside their fields", async function () {
    const outbox = countOf(h, "outbox");
    await coop.get("/console/batches/new");
    // The China day after the one the server sees (its clock allowance included): in the last
    // minutes before China's midnight, now + 24 h alone is the day the allowance already reaches.
    const tomorrow = new Date(Date.now() + CLOCK_ALLOWANCE_MS + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
    const future = await coop.post("/console/batches/new", harvestForm("TY2026-FUT", { harvestedAt: tomorrow, harvestTime: "" }));
    expect(future.status).to.equal(400);
    expect(errorBeside(future.text, "harvestedAt")).to.equal("采收时间不能晚于现在");
    const noUnit = await coop.post("/console/batches/new", harvestForm("TY2026-FUT", { conversionKg: "5" }));
    expect(noUnit.status).to.equal(400);
    expect(errorBeside(noUnit.text, "conversionUnit")).to.equal("请从列表中选择");
    // A batch of boxes may state only a box's weight.
    const otherUnit = await coop.post("/console/batches/new", harvestForm("TY2026-FUT", { amount: "40", unit: "box", conversionUnit: "crate", conversionKg: "5" }));
    expect(otherUnit.status).to.equal(400);
    expect(errorBeside(otherUnit.text, "conversionUnit")).to.contain("box");
    expect(countOf(h, "outbox")).to.equal(outbox);
  });

  it("ships its own batch to the organisation it picks (only those that may receive)", async function () {
    const batchId = batchIdFor(MANGO_GTIN, "TY2026-DAY");
    const form = await coop.get(`/console/events/new?type=shipment&batchId=${batchId}`);
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`value="${batchId}"`).and.to.contain("百色分拣中心（加工厂）");
    expect(form.text, "no cooperative is a consignee").not.to.contain("乐业猕猴桃合作社（");
    const key = /name="formKey" value="([^"]+)"/.exec(form.text)![1];
    const packerId = (h.db.prepare(`SELECT id FROM orgs WHERE name = '百色分拣中心'`).get() as { id: string }).id;
    const answer = await coop.post("/console/events/new?type=shipment", {
      formKey: key, batchId, consignee: packerId, quantityAmount: "100", quantityUnit: "box", from: "那坡镇", to: "百色分拣中心", shippedAt: "2026-06-02T06:00",
    });
    expect(answer.status, answer.text).to.equal(303);
    await h.settle();
    const page = await coop.get(`/console/batches/${batchId}`);
    expect(page.text).to.match(/data-kind="shipment"/).and.to.contain("收货机构：百色分拣中心").and.to.contain("100 箱");
  });

  it("records a form submitted twice once", async function () {
    await coop.get("/console/batches/new");
    const fields = { ...harvestForm("TY2026-003"), formKey: "double-tap-token-0123456789" };
    const outbox = countOf(h, "outbox");
    const first = await coop.post("/console/batches/new", fields);
    const second = await coop.post("/console/batches/new", fields);
    expect(first.status).to.equal(303);
    expect(second.status).to.equal(303);
    expect(second.location).to.equal(first.location);
    expect(countOf(h, "outbox")).to.equal(outbox + 1);
  });

  it("keeps other organisations out: another cooperative's batch, a processor's harvest form", async function () {
    const batchId = batchIdFor(MANGO_GTIN, "TY2026-001");
    const leye = new ConsoleClient(h.base);
    await leye.login("leye", PASSWORD);
    expect((await leye.get(`/console/batches/${batchId}`)).status).to.equal(403);
    await leye.get("/console/batches");
    const outbox = countOf(h, "outbox");
    expect((await leye.post(`/console/batches/${batchId}/recall`, { reason: "不是我的", recalledAt: "2026-06-04T10:00" })).status).to.equal(403);
    expect((await leye.post(`/console/batches/${batchId}/serials`, { count: "3" })).status).to.equal(403);
    expect(countOf(h, "outbox")).to.equal(outbox);
    expect(countOf(h, "serials")).to.equal(0);
    expect((await leye.get("/console/batches")).text).not.to.contain(batchId);

    expect((await leye.get(`/console/batches/${batchIdFor(MANGO_GTIN, "NO-SUCH-LOT")}`)).status).to.equal(404);
    expect((await leye.get(`/console/batches/0x1234`)).status).to.equal(404);

    const packer = new ConsoleClient(h.base);
    await packer.login("packer", PASSWORD);
    expect((await packer.get("/console/batches/new")).status).to.equal(403);
    expect((await packer.get(`/console/batches/${batchId}`)).status).to.equal(403);
  });

  it("issues unit serials and links the label sheet of exactly those serials", async function () {
    const batchId = batchIdFor(MANGO_GTIN, "TY2026-001");
    await coop.get(`/console/batches/${batchId}`);
    const bad = await coop.post(`/console/batches/${batchId}/serials`, { count: "0" });
    expect(bad.status).to.equal(400);
    expect(errorBeside(bad.text, "count")).to.equal("必须大于 0");
    expect(countOf(h, "serials")).to.equal(0);

    const issued = await coop.post(`/console/batches/${batchId}/serials`, { count: "3" });
    expect(issued.status).to.equal(303);
    const serials = new URL(issued.location!, h.base).searchParams.get("issued")!.split(",");
    expect(serials).to.have.length(3);
    const stored = h.db.prepare(`SELECT serial FROM serials WHERE batch_id = ? ORDER BY serial`).all(batchId) as { serial: string }[];
    expect(stored.map((s) => s.serial)).to.have.members(serials);

    const page = await coop.get(issued.location!);
    const link = `/labels/${batchId}?serials=${serials.join(",")}`;
    expect(page.text).to.contain(`href="${link}"`).and.to.contain("已发放 3 个单品码");
    const sheet = await fetch(`${h.base}${link}`);
    expect(sheet.status).to.equal(200);
    const labels = await sheet.text();
    for (const serial of serials) expect(labels).to.contain(`/21/${serial}`);
  });

  it("recalls its batch: refuses an empty reason, then shows the recall on its way and on chain", async function () {
    const batchId = batchIdFor(MANGO_GTIN, "TY2026-001");
    await coop.get(`/console/batches/${batchId}`);
    const outbox = countOf(h, "outbox");
    const bad = await coop.post(`/console/batches/${batchId}/recall`, { reason: "  ", recalledAt: "2026-06-04T10:00" });
    expect(bad.status).to.equal(400);
    expect(errorBeside(bad.text, "reason")).to.equal("必填");
    expect(countOf(h, "outbox")).to.equal(outbox);

    const recalled = await coop.post(`/console/batches/${batchId}/recall`, { reason: "农残抽检超标", recalledAt: "2026-06-04T10:00" });
    expect(recalled.status).to.equal(303);
    expect(recalled.location).to.equal(`/console/batches/${batchId}`);
    const onItsWay = await coop.get(recalled.location!);
    expect(onItsWay.text).to.contain("农残抽检超标").and.to.contain(`http-equiv="refresh"`);
    expect(onItsWay.text).not.to.contain(`action="/console/batches/${batchId}/recall"`);

    await h.settle();
    const after = await coop.get(recalled.location!);
    expect(after.text).to.contain(`data-recalled="true"`);
    const onChain = await h.call("GET", `/api/v1/batches/${batchId}`);
    expect(onChain.body.recall.self).to.equal(true);
    expect(onChain.body.events.at(-1).detail).to.include({ type: "recall", reason: "农残抽检超标", recalledAt: "2026-06-04T10:00:00+08:00" });

    const again = await coop.post(`/console/batches/${batchId}/recall`, { reason: "再次召回", recalledAt: "2026-06-05T10:00" });
    expect(again.status).to.equal(409);
    expect(again.text).to.contain("已被召回");
    expect((await coop.get("/console/batches")).text).to.contain(`data-recalled="true"`);
  });

  it("cannot sign for an organisation that keeps its own key: says so and writes nothing", async function () {
    const own = new ConsoleClient(h.base);
    await own.login("ownkey", PASSWORD);
    const form = await own.get("/console/batches/new");
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`data-error="own-key"`).and.not.to.contain(`id="harvest-form"`);
    const outbox = countOf(h, "outbox");
    const refused = await own.post("/console/batches/new", harvestForm("OWN-001"));
    expect(refused.status).to.equal(403);
    expect(refused.text).to.contain("工作台无法代签");
    expect(countOf(h, "outbox")).to.equal(outbox);
  });

  it("lists a batch created through the API too, newest first", async function () {
    const apiCoop = await h.org("巴马香猪合作社", "producer");
    await h.member(apiCoop.id, "bama", PASSWORD);
    for (const lot of ["BM-1", "BM-2"]) {
      const written = await h.call("POST", "/api/v1/batches", { token: apiCoop.apiKey, body: harvest(lot) });
      expect(written.status).to.equal(202);
      await h.settle(); // one block each: the list orders by the block a batch was created in
    }
    const client = new ConsoleClient(h.base);
    await client.login("bama", PASSWORD);
    const list = await client.get("/console/batches");
    expect(list.text.indexOf("BM-2")).to.be.greaterThan(0);
    expect(list.text.indexOf("BM-2")).to.be.lessThan(list.text.indexOf("BM-1"));
  });
});
