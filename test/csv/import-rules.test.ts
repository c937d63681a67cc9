/**
 * The CSV import gives the same answers as the API: every case of issue 12 uploaded as a CSV
 * row is a bad row with the very words (English and Chinese) the API answers for the same write,
 * in the column the refused field came from; and nothing is stored by either.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { csvBytes, MANGO_GTIN, SHIPMENT_HEADER, shipmentRow } from "./import-fixtures";

type Org = { id: string; address: string; apiKey: string };

const HARVEST_HEADER = "产品名称,商品条码,批次号,县区代码,县区名称,数量,单位,每件重量,计件单位,采收时间";

describe("CSV imports answer as the API does (issue 12's cases)", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org, processor: Org, futian: Org, luohu: Org;

  const upload = async (org: Org, kind: string, bytes: Buffer) => {
    const response = await fetch(`${h.base}/api/v1/imports?kind=${kind}`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${org.apiKey}` },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const runImports = async () => {
    while (await h.gateway.importRunner.tick());
  };
  const outboxCount = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
  const write = async (org: Org, path: string, body: unknown) => {
    const answer = await h.call("POST", path, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body;
  };

  /**
   * The API's refusal of `body` and the import's of `row`: the same words in both languages;
   * the field the API names, the column the import names. Neither stores anything.
   */
  async function sameAnswer(
    org: Org,
    api: { path: string; body: unknown },
    csv: { kind: "harvest" | "shipment"; lines: string[] },
    expected: { status: number; field: string; column: string; message: string; zh: string },
  ) {
    const before = outboxCount();
    const refused = await h.call("POST", api.path, { token: org.apiKey, body: api.body });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(expected.status);
    expect(refused.body.error.fields).to.deep.equal([{ field: expected.field, message: expected.message, zh: expected.zh }]);

    const imported = await upload(org, csv.kind, csvBytes(csv.lines));
    expect(imported.status, JSON.stringify(imported.body)).to.equal(201);
    expect(imported.body).to.deep.include({ totalRows: 1, badRows: 1 });
    expect(imported.body.problems).to.deep.equal([{ line: 2, field: expected.column, code: "refused", message: expected.message, zh: expected.zh }]);
    expect(outboxCount()).to.equal(before);
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    futian = await h.org("福田区消费扶贫专柜", "retailer");
    luohu = await h.org("罗湖区消费扶贫专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  describe("harvests", function () {
    const row = (lot: string, { code = "451003", county = "", date = "2026-06-01" } = {}) =>
      `田阳香芒,${MANGO_GTIN},${lot},${code},${county},1200,kg,5,箱,${date}`;

    it("county code 999999: not a GB/T 2260 code", async function () {
      await sameAnswer(
        producer,
        { path: "/api/v1/batches", body: payload.harvest("RU-999", { origin: { countyCode: "999999" }, harvestedAt: "2026-06-01" }) },
        { kind: "harvest", lines: [HARVEST_HEADER, row("RU-999", { code: "999999" })] },
        {
          status: 400,
          field: "origin.countyCode",
          column: "县区代码",
          message: "999999 is not a GB/T 2260 county-level code",
          zh: "999999 不是县级行政区划代码",
        },
      );
    });

    it("451003 with 海淀区: the name disagrees with the code", async function () {
      await sameAnswer(
        producer,
        { path: "/api/v1/batches", body: payload.harvest("RU-HD", { origin: { countyCode: "451003", county: "海淀区" }, harvestedAt: "2026-06-01" }) },
        { kind: "harvest", lines: [HARVEST_HEADER, row("RU-HD", { county: "海淀区" })] },
        {
          status: 400,
          field: "origin.county",
          column: "县区名称",
          message: "海淀区 is not the county 451003 names (百色市田阳区)",
          zh: "“海淀区”与代码 451003 的县区（百色市田阳区）不符",
        },
      );
    });

    it("a harvest dated in the future (a plain date, a day in China)", async function () {
      const nextYear = `${new Date().getUTCFullYear() + 1}-01-15`;
      await sameAnswer(
        producer,
        { path: "/api/v1/batches", body: payload.harvest("RU-FUT", { harvestedAt: nextYear }) },
        { kind: "harvest", lines: [HARVEST_HEADER, row("RU-FUT", { date: nextYear })] },
        { status: 400, field: "harvestedAt", column: "采收时间", message: "harvestedAt is in the future", zh: "采收时间不能晚于现在" },
      );
    });

    it("records a good row as the API would: the county named from its code, the date kept a date, the box weight as conversion", async function () {
      const imported = await upload(producer, "harvest", csvBytes([HARVEST_HEADER, row("RU-OK", { county: "田阳区" })]));
      expect(imported.body).to.deep.include({ badRows: 0 });
      await h.call("POST", `/api/v1/imports/${imported.body.importId}/run`, { token: producer.apiKey, body: {} });
      await runImports();
      await h.settle();
      const batch = (await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("RU-OK")}`)).body;
      expect(batch.origin).to.deep.include({ countyCode: "451003", county: "百色市田阳区" });
      expect(batch.events[0].detail).to.deep.include({ harvestedAt: "2026-06-01", conversion: { unit: "box", kg: 5 } });
    });
  });

  describe("shipments", function () {
    const heldBatch = payload.harvestedBatchId("RU-S");

    before(async function () {
      await write(producer, "/api/v1/batches", payload.harvest("RU-S"));
    });

    it("a counter ships a batch it does not hold: it has not received it", async function () {
      await sameAnswer(
        luohu,
        { path: `/api/v1/batches/${heldBatch}/events`, body: payload.shipment(futian.id) },
        { kind: "shipment", lines: [SHIPMENT_HEADER, shipmentRow("RU-S", "福田区消费扶贫专柜")] },
        {
          status: 409,
          field: "batchId",
          column: "批次号",
          message: "this counter (罗湖区消费扶贫专柜) has not received this batch: it is held by 田阳芒果专业合作社 (1200 kg)",
          zh: "这个专柜（罗湖区消费扶贫专柜）没有收到过这个批次：它现由田阳芒果专业合作社（1200 kg）持有",
        },
      );
    });

    it("a shipment of more than its holder holds", async function () {
      await sameAnswer(
        producer,
        { path: `/api/v1/batches/${heldBatch}/events`, body: payload.shipment(futian.id, { quantity: { amount: 2000, unit: "kg" } }) },
        { kind: "shipment", lines: [SHIPMENT_HEADER, shipmentRow("RU-S", futian.id, { amount: "2000", unit: "公斤" })] },
        {
          status: 409,
          field: "quantity.amount",
          column: "数量",
          message: "田阳芒果专业合作社 holds 1200 kg of this batch, less than the 2000 kg recorded",
          zh: "田阳芒果专业合作社只持有这个批次 1200 kg，少于登记的 2000 kg",
        },
      );
    });

    it("a shipment of a pack whose harvest is recalled upstream", async function () {
      const harvest = payload.harvestedBatchId("RU-P");
      await write(producer, "/api/v1/batches", payload.harvest("RU-P"));
      await write(producer, `/api/v1/batches/${harvest}/events`, payload.shipment(processor.id, { shippedAt: "2026-06-01T12:00:00+08:00" }));
      await write(processor, `/api/v1/batches/${harvest}/events`, { ...payload.receipt, location: "百色分拣中心", receivedAt: "2026-06-01T16:00:00+08:00" });
      const split = await write(processor, `/api/v1/batches/${harvest}/events`, {
        ...payload.packing,
        outputs: [{ gtin: MANGO_GTIN, lot: "RU-PK", quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } }],
      });
      expect(split.batchId).to.equal(payload.harvestedBatchId("RU-PK"));
      await write(producer, `/api/v1/batches/${harvest}/events`, payload.recall);
      await sameAnswer(
        processor,
        { path: `/api/v1/batches/${split.batchId}/events`, body: payload.shipment(futian.id) },
        { kind: "shipment", lines: [SHIPMENT_HEADER, shipmentRow("RU-PK", "福田区消费扶贫专柜")] },
        {
          status: 409,
          field: "batchId",
          column: "批次号",
          message: "this batch was made from RU-P, which is recalled (农残抽检超标): it may not be shipped, processed or sold",
          zh: "这个批次由批次 RU-P 加工而来，该批次已召回（农残抽检超标）：不能再发运、加工或销售",
        },
      );
    });

    it("a consignee that cannot record a receipt, named by its exact name", async function () {
      const cooperative = await h.org("乐业猕猴桃合作社", "producer");
      await sameAnswer(
        producer,
        { path: `/api/v1/batches/${heldBatch}/events`, body: payload.shipment(cooperative.id) },
        { kind: "shipment", lines: [SHIPMENT_HEADER, shipmentRow("RU-S", "乐业猕猴桃合作社")] },
        {
          status: 400,
          field: "consignee",
          column: "收货方",
          message: "乐业猕猴桃合作社 is a producer and cannot record a receipt: ship to a packing house, carrier or counter",
          zh: "乐业猕猴桃合作社不能登记收货：请发给加工厂、承运方或专柜",
        },
      );
    });

    it("records good rows by name and by id, part of the batch or all its holder holds, and the consignee receives it", async function () {
      await write(producer, "/api/v1/batches", payload.harvest("RU-G1"));
      await write(producer, "/api/v1/batches", payload.harvest("RU-G2"));
      const imported = await upload(
        producer,
        "shipment",
        csvBytes([
          SHIPMENT_HEADER,
          shipmentRow("RU-G1", "福田区消费扶贫专柜", { amount: "60", unit: "箱" }),
          shipmentRow("RU-G2", luohu.id, { shippedAt: "2026-06-02" }),
          shipmentRow("RU-G1", "罗湖区消费扶贫专柜"),
        ]),
      );
      expect(imported.body.problems).to.deep.equal([
        { line: 4, field: "批次号", code: "duplicate", message: "names the same batch as line 2", zh: "与第 2 行是同一批次" },
      ]);
      await h.call("POST", `/api/v1/imports/${imported.body.importId}/run`, { token: producer.apiKey, body: { goodOnly: true } });
      await runImports();
      expect((await h.call("GET", `/api/v1/imports/${imported.body.importId}`, { token: producer.apiKey })).body).to.deep.include({ recorded: 2, failed: 0 });
      await write(futian, `/api/v1/batches/${payload.harvestedBatchId("RU-G1")}/events`, payload.receipt);
      await write(luohu, `/api/v1/batches/${payload.harvestedBatchId("RU-G2")}/events`, payload.receipt);
      await h.settle();
      const g1 = (await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("RU-G1")}`)).body;
      expect(g1.events[1].detail).to.deep.include({ quantity: { amount: 60, unit: "box" } });
      expect(g1.events[1].detail.consignee).to.deep.include({ id: futian.id, name: "福田区消费扶贫专柜" });
      expect(g1.events[2].detail.quantity).to.deep.equal({ amount: 300, unit: "kg" });
      const g2 = (await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("RU-G2")}`)).body;
      expect(g2.events[1].detail).to.deep.include({ shippedAt: "2026-06-02", quantity: { amount: 1200, unit: "kg" } });
      expect(g2.events[2].detail.quantity).to.deep.equal({ amount: 1200, unit: "kg" });
    });

    it("a row refused when recorded, because the ledger moved on after the check, is a failed row in the rules' words", async function () {
      await write(producer, "/api/v1/batches", payload.harvest("RU-M"));
      const imported = await upload(producer, "shipment", csvBytes([SHIPMENT_HEADER, shipmentRow("RU-M", "福田区消费扶贫专柜", { amount: "1000", unit: "kg" })]));
      expect(imported.body.badRows).to.equal(0);
      // Meanwhile most of the batch goes elsewhere.
      await write(producer, `/api/v1/batches/${payload.harvestedBatchId("RU-M")}/events`, payload.shipment(luohu.id, { quantity: { amount: 500, unit: "kg" } }));
      await h.call("POST", `/api/v1/imports/${imported.body.importId}/run`, { token: producer.apiKey, body: {} });
      await runImports();
      const report = (await h.call("GET", `/api/v1/imports/${imported.body.importId}`, { token: producer.apiKey })).body;
      expect(report).to.deep.include({ status: "done", recorded: 0, failed: 1 });
      expect(report.problems).to.deep.equal([
        {
          line: 2,
          field: "批次号",
          code: "refused",
          message: "田阳芒果专业合作社 holds 700 kg of this batch, less than the 1000 kg recorded",
          zh: "田阳芒果专业合作社只持有这个批次 700 kg，少于登记的 1000 kg",
        },
      ]);
    });
  });
});
