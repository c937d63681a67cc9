/**
 * The processor's console over HTTP: a packing house processes what it received — in place,
 * split into new batches within what it holds (refused beyond it, with nothing written), merged
 * — and the ledger's rules answer beside the right field: a batch it never received, units that
 * do not convert (unless a box weight is stated, or the member confirms the quantities).
 */
import { expect } from "chai";
import { batchIdFor } from "../../server/domain/gs1";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, MANGO_GTIN, receipt, shipment, TEA_GTIN } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";
const PACK_GTIN = "06901234567816";

function errorBeside(page: string, name: string): string | undefined {
  const start = page.indexOf(`data-field="${name}"`);
  if (start < 0) return undefined;
  const row = page.slice(start, page.indexOf("</div>", start));
  return /class="field-error"[^>]*>([^<]+)</.exec(row)?.[1];
}

const outboxCount = (h: Harness) => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;

/** A split of `lot` (GTIN and lot of the batch processed) into the rows given. */
function splitForm(gtin: string, lot: string, outputs: Array<Record<string, string>>, extra: Record<string, string> = {}) {
  const fields: Record<string, string> = {
    "batch.gtin": gtin,
    "batch.lot": lot,
    step: "packing",
    occurredAt: "2026-06-04T09:00",
    facility: "百色分拣中心",
    ...extra,
  };
  outputs.forEach((output, i) => {
    for (const [name, value] of Object.entries(output)) fields[`out${i + 1}.${name}`] = value;
  });
  return fields;
}

describe("console: the processor", function () {
  this.timeout(120_000);
  let h: Harness;
  let packer: ConsoleClient;
  const harvestId = batchIdFor(MANGO_GTIN, "TY-P1");

  before(async function () {
    h = await startHarness();
    const coop = await h.org("田阳芒果专业合作社", "producer");
    const packingHouse = await h.org("百色分拣中心", "processor");
    const counter = await h.org("福田消费扶贫专柜", "retailer");
    await h.member(coop.id, "coop", PASSWORD);
    await h.member(packingHouse.id, "packer", PASSWORD);
    await h.member(counter.id, "counter", PASSWORD);
    for (const [lot, quantity] of [
      ["TY-P1", { amount: 1200, unit: "kg" }],
      ["TY-M1", { amount: 500, unit: "kg" }],
      ["TY-M2", { amount: 600, unit: "jin" }],
      ["TY-M3", { amount: 50, unit: "kg" }],
      ["TY-M4", { amount: 100, unit: "kg" }],
      ["TY-M5", { amount: 100, unit: "kg" }],
      ["TY-BOX", { amount: 40, unit: "box" }],
      ["TY-P2", { amount: 100, unit: "kg" }],
      ["TY-R1", { amount: 100, unit: "kg" }],
    ] as const) {
      const { conversion: _conversion, ...noBoxWeight } = harvest(lot, { quantity });
      const written = await h.call("POST", "/api/v1/batches", { token: coop.apiKey, body: noBoxWeight });
      expect(written.status, JSON.stringify(written.body)).to.equal(202);
    }
    await h.settle();
    // The cooperative ships every batch but TY-R1 to the packing house, which receives them.
    for (const lot of ["TY-P1", "TY-M1", "TY-M2", "TY-M3", "TY-M4", "TY-M5", "TY-BOX", "TY-P2"]) {
      const path = `/api/v1/batches/${batchIdFor(MANGO_GTIN, lot)}/events`;
      for (const [token, body] of [[coop.apiKey, shipment(packingHouse.id)], [packingHouse.apiKey, { ...receipt, location: "百色分拣中心" }]] as const) {
        const written = await h.call("POST", path, { token, body });
        expect(written.status, JSON.stringify(written.body)).to.equal(202);
      }
    }
    await h.settle();
    packer = new ConsoleClient(h.base);
    expect((await packer.login("packer", PASSWORD)).status).to.equal(303);
  });

  after(async function () {
    await h?.stop();
  });

  it("splits a cooperative's batch into new batches within its mass balance, and follows them onto the chain", async function () {
    const form = await packer.get(`/console/processing/new?batch=${harvestId}`);
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`value="${MANGO_GTIN}"`).and.to.contain(`value="TY-P1"`);

    const answer = await packer.post(
      "/console/processing/new",
      splitForm(MANGO_GTIN, "TY-P1", [
        { gtin: PACK_GTIN, lot: "PK-1", amount: "600", unit: "kg", productName: "田阳香芒 5 kg 礼盒" },
        {}, // an empty row in between is ignored
        { gtin: PACK_GTIN, lot: "PK-2", amount: "0.6", unit: "t" },
      ], { "out2.unit": "kg" }),
    );
    expect(answer.status, answer.text).to.equal(303);
    const saved = await packer.get(answer.location!);
    expect(saved.text).to.contain(`data-saved="2"`).and.to.contain(`http-equiv="refresh"`);
    expect(saved.text).to.contain(`href="/console/batches/${batchIdFor(PACK_GTIN, "PK-1")}"`);
    await h.settle();
    expect((await packer.get(answer.location!)).text).to.match(/data-status="confirmed"/).and.not.to.contain(`http-equiv="refresh"`);

    for (const lot of ["PK-1", "PK-2"]) {
      const output = await h.call("GET", `/api/v1/batches/${batchIdFor(PACK_GTIN, lot)}`);
      expect(output.status).to.equal(200);
      expect(output.body.lineage.inputs).to.deep.equal([harvestId]);
      expect(output.body.events[0].detail).to.include({ step: "packing", occurredAt: "2026-06-04T09:00:00+08:00", facility: "百色分拣中心" });
    }
    const pk1 = await h.call("GET", `/api/v1/batches/${batchIdFor(PACK_GTIN, "PK-1")}`);
    expect(pk1.body.product).to.deep.equal({ name: "田阳香芒 5 kg 礼盒" });

    const list = await packer.get("/console/batches");
    expect(list.text).to.contain("PK-1").and.to.contain("PK-2");
    const page = await packer.get(`/console/batches/${batchIdFor(PACK_GTIN, "PK-2")}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`href="/p/${harvestId}"`);
  });

  it("refuses a split beyond what the batch has left, beside the outputs, and writes nothing", async function () {
    const before = outboxCount(h);
    await packer.get("/console/processing/new");
    // 1,200 kg − 600 kg − 0.6 t leaves nothing at all; even 1 jin is too much.
    const refused = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "TY-P1", [{ gtin: PACK_GTIN, lot: "PK-3", amount: "1", unit: "jin" }]));
    expect(refused.status).to.equal(409);
    expect(errorBeside(refused.text, "outputs")).to.contain("新批次共 0.5 kg").and.to.contain("超过了").and.to.contain("0 kg");
    expect(refused.text).to.contain(`value="PK-3"`);
    expect(outboxCount(h)).to.equal(before);
    expect((await h.call("GET", `/api/v1/batches/${batchIdFor(PACK_GTIN, "PK-3")}`)).status).to.equal(404);
  });

  it("converts jin to kilograms: a split of exactly what is left passes, a gram more does not", async function () {
    await packer.get("/console/processing/new");
    const before = outboxCount(h);
    const tooMuch = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "TY-M2", [{ gtin: PACK_GTIN, lot: "M2-A", amount: "300.001", unit: "kg" }]));
    expect(tooMuch.status).to.equal(409);
    expect(errorBeside(tooMuch.text, "outputs")).to.contain("300 kg");
    expect(outboxCount(h)).to.equal(before);
    const exact = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "TY-M2", [
      { gtin: PACK_GTIN, lot: "M2-A", amount: "0.1", unit: "t" },
      { gtin: PACK_GTIN, lot: "M2-B", amount: "400", unit: "jin" },
    ]));
    expect(exact.status, exact.text).to.equal(303);
    expect(outboxCount(h)).to.equal(before + 2);
  });

  it("merges batches into new ones, the pool holding what the inputs have left together", async function () {
    await packer.get("/console/processing/new");
    const before = outboxCount(h);
    const merged = (lot: string, amount: string) =>
      splitForm(MANGO_GTIN, "TY-M1", [{ gtin: PACK_GTIN, lot, amount, unit: "kg" }], { "merge1.gtin": MANGO_GTIN, "merge1.lot": "TY-M2", step: "grading" });
    // TY-M1 has 500 kg, TY-M2 nothing left (300 kg, all split off above).
    const tooMuch = await packer.post("/console/processing/new", merged("MG-1", "501"));
    expect(tooMuch.status).to.equal(409);
    expect(errorBeside(tooMuch.text, "outputs")).to.contain("500 kg");
    expect(outboxCount(h)).to.equal(before);

    const answer = await packer.post("/console/processing/new", merged("MG-1", "500"));
    expect(answer.status, answer.text).to.equal(303);
    await h.settle();
    const output = await h.call("GET", `/api/v1/batches/${batchIdFor(PACK_GTIN, "MG-1")}`);
    expect(output.body.lineage.inputs).to.have.members([batchIdFor(MANGO_GTIN, "TY-M1"), batchIdFor(MANGO_GTIN, "TY-M2")]);
    expect(output.body.events[0].detail.step).to.equal("grading");
  });

  it("records processing in place, and a merge into the batch, taking a pasted batch id or QR link", async function () {
    await packer.get("/console/processing/new");
    const target = batchIdFor(MANGO_GTIN, "TY-P2");
    const inPlace = await packer.post("/console/processing/new", {
      "batch.gtin": target,
      step: "cold-storage",
      occurredAt: "2026-06-04T20:00",
      "merge1.gtin": `${h.base}/01/${MANGO_GTIN}/10/TY-M3/qr.svg`,
    });
    expect(inPlace.status, inPlace.text).to.equal(303);
    await h.settle();
    const batch = await h.call("GET", `/api/v1/batches/${target}`);
    const last = batch.body.events.at(-1);
    expect(last.type).to.equal("processing");
    expect(last.detail.step).to.equal("cold-storage");
    expect(last.inputs).to.deep.equal([batchIdFor(MANGO_GTIN, "TY-M3")]);
    expect(last.detail.consumed, "all the packing house held of the batch merged in").to.deep.equal([
      { batchId: batchIdFor(MANGO_GTIN, "TY-M3"), quantity: { amount: 50, unit: "kg" }, kg: 50 },
    ]);
  });

  it("refuses to process a batch the packing house never received, naming who holds it, beside the batch", async function () {
    await packer.get("/console/processing/new");
    const before = outboxCount(h);
    const refused = await packer.post("/console/processing/new", { "batch.gtin": MANGO_GTIN, "batch.lot": "TY-R1", step: "cold-storage", occurredAt: "2026-06-04T20:00" });
    expect(refused.status).to.equal(409);
    expect(errorBeside(refused.text, "batch.gtin")).to.contain("这个加工厂（百色分拣中心）没有收到过这个批次").and.to.contain("田阳芒果专业合作社");
    expect(outboxCount(h)).to.equal(before);
  });

  it("cannot compare boxes with kilograms: refuses unless a box weight is stated or the member confirms the quantities", async function () {
    await packer.get("/console/processing/new");
    const before = outboxCount(h);
    const form = splitForm(MANGO_GTIN, "TY-M4", [{ gtin: TEA_GTIN, lot: "BX-1", amount: "20", unit: "box" }]);
    const refused = await packer.post("/console/processing/new", form);
    expect(refused.status).to.equal(400);
    expect(errorBeside(refused.text, "outputs")).to.contain("无法相互换算");
    expect(refused.text).to.contain(`data-field="unitsChecked"`);
    expect(outboxCount(h)).to.equal(before);

    const confirmed = await packer.post("/console/processing/new", { ...form, unitsChecked: "1" });
    expect(confirmed.status, confirmed.text).to.equal(303);
    expect(outboxCount(h)).to.equal(before + 1);
    await h.settle();
    const boxed = await h.call("GET", `/api/v1/batches/${batchIdFor(TEA_GTIN, "BX-1")}`);
    expect(boxed.body.events[0].detail.quantitiesConfirmed).to.equal(true);

    // With a box weight the units convert: 21 boxes of 5 kg are more than 100 kg, 20 are not.
    await packer.get("/console/processing/new");
    const weighed = (lot: string, amount: string) =>
      splitForm(MANGO_GTIN, "TY-M5", [{ gtin: TEA_GTIN, lot, amount, unit: "box", conversionUnit: "box", conversionKg: "5" }]);
    const over = await packer.post("/console/processing/new", weighed("BX-21", "21"));
    expect(over.status).to.equal(409);
    expect(errorBeside(over.text, "outputs")).to.contain("105 kg");
    expect(over.text, "no confirmation needed where the units convert").not.to.contain(`data-field="unitsChecked"`);
    const fits = await packer.post("/console/processing/new", weighed("BX-20", "20"));
    expect(fits.status, fits.text).to.equal(303);
    await h.settle();
    const pack = await h.call("GET", `/api/v1/batches/${batchIdFor(TEA_GTIN, "BX-20")}`);
    expect(pack.body.events[0].detail.output.conversion).to.deep.equal({ unit: "box", kg: 5 });

    // Boxes split into boxes compare: 40 boxes, 41 refused, 40 pass.
    await packer.get("/console/processing/new");
    const boxes = (amount: string) => splitForm(MANGO_GTIN, "TY-BOX", [{ gtin: TEA_GTIN, lot: `BX-${amount}`, amount, unit: "box" }]);
    expect((await packer.post("/console/processing/new", boxes("41"))).status).to.equal(409);
    expect((await packer.post("/console/processing/new", boxes("40"))).status).to.equal(303);
  });

  it("refuses bad fields and unknown batches beside their fields, writing nothing", async function () {
    await packer.get("/console/processing/new?lang=en");
    const before = outboxCount(h);
    const bad = await packer.post(
      "/console/processing/new",
      splitForm(MANGO_GTIN, "TY-P1", [{ gtin: "12345", lot: "OK-1", amount: "5", unit: "kg" }, { gtin: PACK_GTIN, lot: "bad lot!", amount: "5", unit: "kg" }], {
        step: "juggling",
        occurredAt: "",
      }),
    );
    expect(bad.status).to.equal(400);
    expect(errorBeside(bad.text, "step")).to.contain("Choose one from the list");
    expect(errorBeside(bad.text, "occurredAt")).to.equal("Required");
    expect(errorBeside(bad.text, "out1.gtin")).to.contain("check digit");
    expect(errorBeside(bad.text, "out2.lot")).to.contain("GS1");

    const unknown = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "NO-SUCH", []));
    expect(unknown.status).to.equal(404);
    expect(errorBeside(unknown.text, "batch.gtin")).to.equal("There is no such batch.");
    const unknownMerge = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "TY-P1", [], { "merge2.gtin": MANGO_GTIN, "merge2.lot": "NO-SUCH" }));
    expect(unknownMerge.status).to.equal(404);
    expect(errorBeside(unknownMerge.text, "merge2.gtin")).to.equal("There is no such batch.");

    const taken = await packer.post("/console/processing/new", splitForm(MANGO_GTIN, "TY-P2", [{ gtin: PACK_GTIN, lot: "PK-1", amount: "1", unit: "kg" }]));
    expect(taken.status).to.equal(409);
    expect(errorBeside(taken.text, "out1.lot")).to.equal("This GTIN already has a batch with this lot.");
    expect(outboxCount(h)).to.equal(before);
    await packer.get("/console/processing/new?lang=zh");
  });

  it("keeps other roles out, and the processor out of the cooperative's batch pages", async function () {
    const counter = new ConsoleClient(h.base);
    await counter.login("counter", PASSWORD);
    expect((await counter.get("/console/processing/new")).status).to.equal(403);
    expect((await counter.get("/console/batches")).status).to.equal(403);
    expect((await packer.get(`/console/batches/${harvestId}`)).status).to.equal(403);
    const coop = new ConsoleClient(h.base);
    await coop.login("coop", PASSWORD);
    expect((await coop.get(`/console/batches/${batchIdFor(PACK_GTIN, "PK-1")}`)).status).to.equal(403);
    const own = await coop.get(`/console/batches/${harvestId}`);
    expect(own.status).to.equal(200);
    expect(own.text).to.contain(`data-split="${batchIdFor(PACK_GTIN, "PK-1")}"`);
  });
});
