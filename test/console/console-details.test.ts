/**
 * Console details (issue 17), over HTTP:
 * - event lists say when each thing happened (harvested, shipped…) and, labelled apart, when it
 *   was recorded;
 * - every unit picker of the console offers the same units, with the same words, and exactly
 *   the ones the API takes;
 * - an admin adding a member sees a refused password (and username) in Chinese, or in English;
 * - the "being written" banners go once nothing is on its way, and the page stops reloading;
 * - listing a province's counties brings the focus back to the county field;
 * - the programme's county list is grouped by prefecture (the code's first four digits);
 * - packing houses, carriers and counters have an inbox of what is shipped to them and not
 *   received yet, each with a link to receive it; a receipt takes it out.
 */
import { expect } from "chai";
import { COUNTED_UNITS, harvestBody, saleBody, shipmentBody, WEIGHT_UNITS } from "../../server/domain/request-shapes";
import { StockReads } from "../../server/store/stock-reads";
import { ConsoleClient, errorBeside, eventRow, formKeyOf, recordedId } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, packing, shipment } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";

type Org = { id: string; address: string; apiKey: string };

/** The options of a <select name=…> on a page, as [value, label], the empty choice left out. */
function optionsOf(page: string, name: string): Array<[string, string]> {
  const select = new RegExp(`<select [^>]*name="${name.replace(/[.[\]]/g, "\\$&")}"[^>]*>([\\s\\S]*?)</select>`).exec(page);
  if (!select) throw new Error(`no select ${name}`);
  return [...select[1].matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].filter((m) => m[1] !== "").map((m) => [m[1], m[2]]);
}

/** The rows of a table body group (tbody data-prefecture=…) on the county list. */
function prefectureGroup(page: string, code: string): string {
  const group = new RegExp(`<tbody data-prefecture="${code}">[\\s\\S]*?</tbody>`).exec(page);
  if (!group) throw new Error(`no group ${code}`);
  return group[0];
}

function inboxRow(page: string, eventId: string): string | undefined {
  return new RegExp(`<tr data-shipment="${eventId}"[\\s\\S]*?</tr>`).exec(page)?.[0];
}

describe("console details (issue 17)", function () {
  this.timeout(180_000);
  let h: Harness;
  let producer: Org;
  let packer: Org;
  let carrier: Org;
  let retailer: Org;

  async function accepted(org: Org, path: string, body: unknown): Promise<any> {
    const answer = await h.call("POST", path, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body;
  }
  const events = (batchId: string) => `/api/v1/batches/${batchId}/events`;

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    packer = await h.org("百色分拣中心", "processor");
    carrier = await h.org("百色冷链物流有限公司", "carrier");
    retailer = await h.org("福田区消费帮扶专柜", "retailer");
    await h.member(producer.id, "coop.admin", PASSWORD, true);
    await h.member(packer.id, "packer", PASSWORD);
    await h.member(carrier.id, "driver", PASSWORD);
    await h.member(retailer.id, "counter", PASSWORD);
    await h.member(null, "office", PASSWORD);
  });

  after(async function () {
    await h?.stop();
  });

  describe("when things happened", function () {
    it("lists each record with its own time (harvested, shipped) and, labelled apart, when it was recorded", async function () {
      const batchId = harvestedBatchId("TY-W1");
      const made = await accepted(producer, "/api/v1/batches", harvest("TY-W1", { harvestedAt: "2026-05-30" }));
      const shipped = await accepted(producer, events(batchId), shipment(carrier.id, { shippedAt: "2026-06-02T06:00:00+08:00" }));
      await h.settle();
      const coop = await loggedIn("coop.admin");
      const page = await coop.get("/console/events");
      expect(page.status).to.equal(200);
      expect(page.text).to.contain("<th>时间</th>").and.not.to.contain("<th>登记时间</th>");

      const shipping = eventRow(page.text, shipped.eventId);
      expect(shipping).to.contain(`data-occurred-at="2026-06-02T06:00:00+08:00"`).and.to.contain("发车：2026年6月2日 06:00");
      const recordedAt = /data-recorded-at="([^"]+)"/.exec(shipping)?.[1];
      expect(Date.parse(recordedAt!), "the recording time is the gateway's, not the shipment's").to.be.greaterThan(Date.parse("2026-06-03T00:00:00Z"));
      expect(shipping).to.contain("登记于：");

      // A plain date stays a date: the harvest day, no time of day.
      const harvesting = eventRow(page.text, made.eventId);
      expect(harvesting).to.contain(`data-occurred-at="2026-05-30"`).and.to.match(/采收：2026年5月30日</);

      const english = await coop.get("/console/events?lang=en");
      expect(eventRow(english.text, shipped.eventId)).to.contain("shipped：").and.to.contain("recorded：");
      await coop.get("/console/events?lang=zh");

      // The batch's own page says the same for each of its records.
      const batch = await coop.get(`/console/batches/${batchId}`);
      expect(eventRow(batch.text, shipped.eventId)).to.contain(`data-occurred-at="2026-06-02T06:00:00+08:00"`).and.to.contain("登记于：");
    });
  });

  describe("one unit vocabulary", function () {
    it("offers the same units with the same words on every form, exactly those the API takes", async function () {
      const apiUnits = [...WEIGHT_UNITS, ...COUNTED_UNITS];
      // The API keeps taking what it took.
      expect(apiUnits).to.deep.equal(["kg", "t", "jin", "box", "piece", "crate", "bag"]);
      for (const schema of [harvestBody.shape.quantity, saleBody.shape.quantity]) expect(schema.shape.unit.options).to.deep.equal(apiUnits);
      expect(shipmentBody.shape.quantity.unwrap().shape.unit.options).to.deep.equal(apiUnits);

      const batchId = harvestedBatchId("TY-W1");
      const coop = await loggedIn("coop.admin");
      const counter = await loggedIn("counter");
      const pickers: Record<string, Array<[string, string]>> = {
        harvest: optionsOf((await coop.get("/console/batches/new")).text, "unit"),
        processing: optionsOf((await coop.get("/console/processing/new")).text, "out1.unit"),
        shipment: optionsOf((await coop.get("/console/events/new?type=shipment")).text, "quantityUnit"),
        certificate: optionsOf((await coop.get(`/console/batches/${batchId}`)).text, "unit"),
        sale: optionsOf((await counter.get("/console/events/new?type=sale")).text, "quantityUnit"),
      };
      const expected: Array<[string, string]> = [
        ["kg", "公斤 (kg)"],
        ["t", "吨 (t)"],
        ["jin", "斤 (jin)"],
        ["box", "箱 (box)"],
        ["piece", "件 (piece)"],
        ["crate", "筐 (crate)"],
        ["bag", "袋 (bag)"],
      ];
      for (const [form, options] of Object.entries(pickers)) expect(options, form).to.deep.equal(expected);
      const counted = optionsOf((await coop.get("/console/batches/new")).text, "conversionUnit");
      expect(counted).to.deep.equal(expected.filter(([unit]) => (COUNTED_UNITS as readonly string[]).includes(unit)));

      const english = optionsOf((await counter.get("/console/events/new?type=sale&lang=en")).text, "quantityUnit");
      expect(english).to.deep.equal([["kg", "kg"], ["t", "t (tonnes)"], ["jin", "jin (500 g)"], ["box", "boxes"], ["piece", "pieces"], ["crate", "crates"], ["bag", "bags"]]);
      await counter.get("/console/events?lang=zh");
    });

    it("names a quantity in pieces 件 on the lists too", async function () {
      const batchId = harvestedBatchId("TY-W2");
      await accepted(producer, "/api/v1/batches", harvest("TY-W2", { quantity: { amount: 300, unit: "piece" }, conversion: undefined }));
      const coop = await loggedIn("coop.admin");
      const page = await coop.get("/console/events");
      expect(page.text).to.contain("300 件").and.not.to.contain("300 个");
      await h.settle();
      expect((await coop.get(`/console/batches/${batchId}`)).text).to.contain("300 件");
    });
  });

  describe("password errors", function () {
    it("says in Chinese why a new member's password or username is refused, and in English on the English page", async function () {
      const admin = await loggedIn("coop.admin");
      const add = async (fields: Record<string, string>) => {
        await admin.get("/console/members");
        return admin.post("/console/members", fields);
      };
      const before = (h.db.prepare(`SELECT count(*) AS n FROM members`).get() as { n: number }).n;

      const short = await add({ username: "new.member", password: "short" });
      expect(short.status).to.equal(400);
      expect(errorBeside(short.text, "password")).to.equal("密码须为 10 到 200 个字符");

      const guessable = await add({ username: "new.member", password: "1111111111" });
      expect(errorBeside(guessable.text, "password")).to.match(/^密码太容易被猜到（.*重复的字符.*）：请用更长、不常见的词组$/);

      const username = await add({ username: "x", password: PASSWORD });
      expect(errorBeside(username.text, "username")).to.equal("用户名须为 3–40 个字母、数字、点、横线或下划线");
      const taken = await add({ username: "packer", password: "a rather long phrase of words" });
      expect(taken.status).to.equal(409);
      expect(errorBeside(taken.text, "username")).to.equal("这个用户名已被使用");

      await admin.get("/console/members?lang=en");
      const english = await admin.post("/console/members", { username: "new.member", password: "1111111111" });
      expect(errorBeside(english.text, "password")).to.match(/^the password is too easy to guess \(.*repeated characters.*\)/);
      await admin.get("/console/members?lang=zh");
      expect((h.db.prepare(`SELECT count(*) AS n FROM members`).get() as { n: number }).n, "nothing was added").to.equal(before);
    });
  });

  describe("the being-written banners", function () {
    it("says a record is being written only while it is on its way, and stops reloading once it is on chain", async function () {
      const batchId = harvestedBatchId("TY-W3");
      await accepted(producer, "/api/v1/batches", harvest("TY-W3"));
      await h.settle();
      const coop = await loggedIn("coop.admin");
      const form = await coop.get(`/console/events/new?type=shipment&batchId=${batchId}`);
      const posted = await coop.post("/console/events/new?type=shipment", {
        formKey: formKeyOf(form.text),
        batchId,
        consignee: retailer.id,
        from: "百色市田阳区",
        to: "深圳市福田区",
        shippedAt: "2026-06-02T06:00",
      });
      expect(posted.status, posted.text).to.equal(303);
      const eventId = recordedId(posted.location);

      const pending = await coop.get(`/console/events?recorded=${eventId}`);
      expect(pending.text).to.contain(`data-recorded-status="pending"`).and.to.contain("已登记，正在写入区块链。");
      expect(pending.text).to.contain(`data-refreshing="true"`).and.to.contain(`<meta http-equiv="refresh" content="3">`);

      await h.settle();
      const written = await coop.get(`/console/events?recorded=${eventId}`);
      expect(written.text).to.contain(`data-recorded-status="confirmed"`).and.to.contain("已登记，并已写入区块链。");
      expect(written.text).not.to.contain("正在写入").and.not.to.contain("data-refreshing").and.not.to.contain(`http-equiv="refresh"`);
    });

    it("says a processing is being written only while it is on its way", async function () {
      const batchId = harvestedBatchId("TY-W4");
      await accepted(producer, "/api/v1/batches", harvest("TY-W4"));
      await h.settle();
      const answer = await accepted(producer, events(batchId), packing);
      const ids = (answer.events as Array<{ eventId: string }>).map((e) => e.eventId).join(",");
      const coop = await loggedIn("coop.admin");
      const pending = await coop.get(`/console/processing/new?saved=${ids}`);
      expect(pending.text).to.contain(`data-saved-pending="true"`).and.to.contain("加工记录已保存，正在写入区块链：");
      expect(pending.text).to.contain(`http-equiv="refresh"`);

      await h.settle();
      const written = await coop.get(`/console/processing/new?saved=${ids}`);
      expect(written.text).to.contain(`data-saved-pending="false"`).and.to.contain(`data-status="confirmed"`);
      expect(written.text).not.to.contain("正在写入").and.not.to.contain(`http-equiv="refresh"`);
    });
  });

  describe("the county picker and the county list", function () {
    it("brings the focus back to the county field after listing a province's counties, grouped by prefecture", async function () {
      const coop = await loggedIn("coop.admin");
      const fresh = await coop.get("/console/batches/new");
      expect(fresh.text, "no focus taken on a fresh form").not.to.contain("autofocus");

      const listed = await coop.post("/console/batches/new", { formKey: formKeyOf(fresh.text), province: "45", refresh: "province", productName: "田阳香芒" });
      expect(listed.status).to.equal(200);
      expect(listed.text).to.match(/<select id="f-countyCode" name="countyCode"[^>]* autofocus>/);
      expect(listed.text.match(/autofocus/g)).to.have.length(1);
      expect(listed.text, "what was typed stays").to.contain(`value="田阳香芒"`);
      const baise = /<optgroup label="百色市">([\s\S]*?)<\/optgroup>/.exec(listed.text);
      expect(baise?.[1]).to.contain(`<option value="451003">田阳区（451003）</option>`);
      expect(baise?.[1]).not.to.contain(`value="450102"`);

      const byLink = await coop.get("/console/batches/new?province=44");
      expect(byLink.text).to.match(/<select id="f-countyCode"[^>]* autofocus>/);
    });

    it("groups the programme's county list by prefecture", async function () {
      const office = await loggedIn("office");
      await office.get("/programme/counties");
      const csv = "县区代码\n451028\n440305\n451003\n110101\n441900\n";
      const upload = await office.post("/programme/counties", {}, { files: { file: { name: "counties.csv", type: "text/csv", data: Buffer.from(csv, "utf8") } } });
      expect(upload.status, upload.text).to.equal(303);
      const page = await office.get(upload.location!);
      const groups = [...page.text.matchAll(/<tbody data-prefecture="(\d{4})">/g)].map((m) => m[1]);
      expect(groups).to.deep.equal(["1101", "4403", "4419", "4510"]);
      const baise = prefectureGroup(page.text, "4510");
      expect(baise).to.contain(`<th scope="rowgroup" colspan="4">百色市 <span class="hint">2 个县区</span></th>`);
      expect([...baise.matchAll(/<tr data-code="(\d+)">/g)].map((m) => m[1])).to.deep.equal(["451003", "451028"]);
      expect(prefectureGroup(page.text, "4403")).to.contain(">深圳市 <").and.to.contain(`data-code="440305"`);
      expect(prefectureGroup(page.text, "1101"), "a municipality's districts go under it").to.contain(">北京市 <");
      expect(prefectureGroup(page.text, "4419"), "a city without counties under its own name").to.contain(">东莞市 <");
    });
  });

  describe("the inbox", function () {
    let toCarrier: string;
    let toPacker: string;
    const carrierBatch = harvestedBatchId("TY-W5");
    const packerBatch = harvestedBatchId("TY-W6");

    before(async function () {
      for (const lot of ["TY-W5", "TY-W6"]) await accepted(producer, "/api/v1/batches", harvest(lot));
      await h.settle();
      toCarrier = (await accepted(producer, events(carrierBatch), shipment(carrier.id, { quantity: { amount: 40, unit: "box" } }))).eventId;
      toPacker = (await accepted(producer, events(packerBatch), shipment(packer.id))).eventId;
    });

    it("lists what is shipped to a carrier and not received yet, with a link to receive it", async function () {
      const driver = await loggedIn("driver");
      const page = await driver.get("/console/inbox");
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(`<a href="/console/inbox">待收货</a>`);
      const row = inboxRow(page.text, toCarrier);
      expect(row, "the carrier's shipment").to.be.a("string");
      expect(row).to.contain("田阳芒果专业合作社").and.to.contain("TY-W5").and.to.contain("40 箱").and.to.contain("发车：2026年6月2日 06:00");
      expect(row).to.contain("百色市田阳区 → 深圳市福田区").and.to.contain(`data-status="pending"`);
      expect(row).to.contain(`href="/console/events/new?type=receipt&amp;batchId=${carrierBatch}"`);
      expect(inboxRow(page.text, toPacker), "another organisation's shipment").to.equal(undefined);

      const packerInbox = await (await loggedIn("packer")).get("/console/inbox");
      expect(inboxRow(packerInbox.text, toPacker)).to.contain(`batchId=${packerBatch}`);
      expect(inboxRow(packerInbox.text, toCarrier)).to.equal(undefined);
    });

    it("drops a shipment once its receipt is recorded through the link", async function () {
      await h.settle();
      const driver = await loggedIn("driver");
      const form = await driver.get(`/console/events/new?type=receipt&batchId=${carrierBatch}`);
      expect(form.text).to.contain(`value="${carrierBatch}"`);
      const received = await driver.post("/console/events/new?type=receipt", {
        formKey: formKeyOf(form.text),
        batchId: carrierBatch,
        location: "百色冷链仓库",
        receivedAt: "2026-06-02T12:00",
      });
      expect(received.status, received.text).to.equal(303);
      const page = await driver.get("/console/inbox");
      expect(inboxRow(page.text, toCarrier)).to.equal(undefined);
      // What else was shipped to it stays: TY-W1, from the first test.
      expect(page.text).to.contain(`data-inbox="1"`).and.to.contain(`data-batch="${harvestedBatchId("TY-W1")}"`);
      await accepted(carrier, events(harvestedBatchId("TY-W1")), { type: "receipt", location: "百色冷链仓库", receivedAt: "2026-06-02T12:00:00+08:00" });
      const empty = await driver.get("/console/inbox");
      expect(empty.text).to.contain(`data-inbox="none"`).and.to.contain("现在没有发给你的机构、待收货的批次。");
    });

    it("is for those who receive: a cooperative has none", async function () {
      const coop = await loggedIn("coop.admin");
      expect((await coop.get("/console/inbox")).status).to.equal(403);
      expect((await coop.get("/console/events")).text).not.to.contain(`href="/console/inbox"`);
      // A counter has one: the shipment of TY-W3 to it is not received.
      const counterInbox = await (await loggedIn("counter")).get("/console/inbox");
      expect(counterInbox.text).to.contain(`data-inbox="1"`).and.to.contain(`href="/console/events/new?type=receipt&amp;batchId=${harvestedBatchId("TY-W3")}"`);
    });

    it("reads shipments by their consignee through the index", function () {
      const plan = new StockReads(h.db).shipmentsToPlan().join("\n");
      expect(plan).to.contain("USING INDEX outbox_by_consignee");
      expect(plan).not.to.contain("SCAN o");
    });
  });
});
