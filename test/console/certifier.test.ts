/**
 * The certifier's console over HTTP: 圳品 for a batch and for a product line, pending then
 * confirmed; revocation with a reason as the public API shows it; certificates about to expire;
 * bad input refused beside its field with nothing written; and who may not do any of it.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { certificationIdFor, ZHENPIN_SCHEME } from "../../server/chain/typed-data";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, TEA_GTIN } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";
const DAY = 86_400_000;

/** A date-input value (China time) `days` from today. */
function dateIn(days: number): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * DAY).toISOString().slice(0, 10);
}

/** The table row of one certificate on the list page (by its certificate number). */
function certificateRow(page: string, certificateNo: string): string {
  const match = new RegExp(`<tr data-certificate="${certificateNo}"[\\s\\S]*?</tr>`).exec(page);
  if (!match) throw new Error(`no row for ${certificateNo}`);
  return match[0];
}

/** The "about to expire" section of the list page. */
function expiringSection(page: string): string {
  return page.slice(page.indexOf(`id="expiring"`), page.indexOf(`id="certificates"`));
}

/** The form's key (one form, one write), from the last page the client loaded. */
function formKeyOf(page: string): string {
  return /name="formKey" value="([^"]+)"/.exec(page)![1];
}

describe("console: certifier", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; address: string; apiKey: string };
  let certifier: { id: string; address: string };
  let carrier: { id: string };
  const certificationCount = () => (h.db.prepare(`SELECT count(*) AS n FROM certification_outbox`).get() as { n: number }).n;

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    certifier = await h.org("深圳市圳品认证中心", "certifier");
    const otherCertifier = await h.org("另一家认证机构", "certifier");
    const ownKeyCertifier = await h.org("自有密钥认证机构", "certifier", Wallet.createRandom().address);
    carrier = await h.org("顺丰冷运", "carrier");
    await h.member(certifier.id, "zhenpin.li", PASSWORD);
    await h.member(otherCertifier.id, "other.cert", PASSWORD);
    await h.member(ownKeyCertifier.id, "ownkey.cert", PASSWORD);
    await h.member(carrier.id, "sf.wang", PASSWORD);
    for (const lot of ["TY-C1", "TY-C2", "TY-C3"]) {
      const answer = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest(lot) });
      expect(answer.status).to.equal(202);
    }
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("attests a batch (by GTIN and lot) and a product line, shows them pending, then confirmed", async function () {
    const client = await loggedIn("zhenpin.li");
    const form = await client.get("/console/certifications/batch");
    expect(form.status).to.equal(200);
    const batch = await client.post("/console/certifications/batch", {
      formKey: formKeyOf(form.text),
      gtin: MANGO_GTIN,
      lot: "TY-C1",
      certificateNo: "SZ-2026-001",
      validFrom: "2026-01-01",
      validUntil: "2099-12-31",
    });
    expect(batch.status, batch.text).to.equal(303);
    expect(batch.location).to.match(/^\/console\/certifications\?recorded=/);

    const lineForm = await client.get("/console/certifications/product-line");
    expect(lineForm.text).to.contain(`<option value="${producer.id}">田阳芒果专业合作社</option>`);
    expect(lineForm.text, "only producers are offered").not.to.contain(`<option value="${carrier.id}"`);
    const line = await client.post("/console/certifications/product-line", {
      formKey: formKeyOf(lineForm.text),
      producer: producer.id,
      gtin: TEA_GTIN,
      certificateNo: "SZ-PL-001",
      validFrom: "2026-01-01",
      validUntil: "2099-12-31",
    });
    expect(line.status, line.text).to.equal(303);

    const pending = await client.get(batch.location!);
    expect(pending.text).to.contain(`data-recorded=`);
    expect(pending.text, "reloads itself while pending").to.match(/<meta http-equiv="refresh" content="\d+">/);
    for (const no of ["SZ-2026-001", "SZ-PL-001"]) {
      const row = certificateRow(pending.text, no);
      expect(row).to.contain(`data-state="valid"`).and.to.contain(`data-write-status="pending"`);
    }
    expect(certificateRow(pending.text, "SZ-2026-001")).to.contain("田阳香芒").and.to.contain("TY-C1");
    expect(certificateRow(pending.text, "SZ-PL-001")).to.contain("田阳芒果专业合作社").and.to.contain(TEA_GTIN);

    await h.settle();
    const confirmed = await client.get("/console/certifications");
    for (const no of ["SZ-2026-001", "SZ-PL-001"]) expect(certificateRow(confirmed.text, no)).to.contain(`data-write-status="confirmed"`);
    expect(confirmed.text, "no reload once settled").not.to.contain(`http-equiv="refresh"`);

    const publicBatch = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-C1")}`);
    expect(publicBatch.body.certification).to.include({ status: "valid", certificateNo: "SZ-2026-001" });
    // The product line covers the tea the cooperative harvests from now on.
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("TEA-C1", { product: { name: "紫金绿茶", gtin: TEA_GTIN } }) })).status).to.equal(202);
    await h.settle();
    const tea = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TEA-C1", TEA_GTIN)}`);
    expect(tea.body.certification).to.include({ status: "valid", certificateNo: "SZ-PL-001" });
  });

  it("records a form posted twice once", async function () {
    const client = await loggedIn("zhenpin.li");
    const form = await client.get("/console/certifications/batch");
    const fields = { formKey: formKeyOf(form.text), gtin: MANGO_GTIN, lot: "TY-C3", certificateNo: "SZ-TWICE", validFrom: "2026-01-01", validUntil: "2099-12-31" };
    const before = certificationCount();
    const first = await client.post("/console/certifications/batch", fields);
    const second = await client.post("/console/certifications/batch", fields);
    expect(first.status).to.equal(303);
    expect(second.status).to.equal(303);
    expect(second.location).to.equal(first.location);
    expect(certificationCount()).to.equal(before + 1);
    const changed = await client.post("/console/certifications/batch", { ...fields, certificateNo: "SZ-TWICE-B" });
    expect(changed.status).to.equal(422);
    expect(changed.text).to.contain("这张表单已经提交过");
    expect(certificationCount()).to.equal(before + 1);
    await h.settle();
  });

  it("revokes a certificate with a reason: the public API shows it revoked", async function () {
    const client = await loggedIn("zhenpin.li");
    const list = await client.get("/console/certifications");
    const certificationId = certificationIdFor(certifier.address, ZHENPIN_SCHEME, "SZ-2026-001");
    expect(certificateRow(list.text, "SZ-2026-001")).to.contain(`href="/console/certifications/${certificationId}/revoke"`);

    const page = await client.get(`/console/certifications/${certificationId}/revoke`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`class="btn btn-danger"`);
    const before = certificationCount();
    const empty = await client.post(`/console/certifications/${certificationId}/revoke`, { reason: "  " });
    expect(empty.status).to.equal(400);
    expect(empty.text).to.match(/class="form-row has-error" data-field="reason"/).and.to.contain("必填");
    expect(certificationCount(), "nothing written").to.equal(before);

    const revoked = await client.post(`/console/certifications/${certificationId}/revoke`, { reason: "抽检农残超标" });
    expect(revoked.status, revoked.text).to.equal(303);
    const pending = await client.get(revoked.location!);
    const row = certificateRow(pending.text, "SZ-2026-001");
    expect(row).to.contain(`data-state="revoked"`).and.to.contain("抽检农残超标").and.to.contain(`data-write-status="pending"`);
    expect(row, "no second revocation offered").not.to.contain("/revoke");

    await h.settle();
    const publicBatch = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-C1")}`);
    expect(publicBatch.body.certification.status).to.equal("revoked");
    const again = await client.get(`/console/certifications/${certificationId}/revoke`);
    expect(again.text).to.contain("这张证书已经撤销").and.not.to.contain(`name="reason"`);
    const twice = await client.post(`/console/certifications/${certificationId}/revoke`, { reason: "再撤销一次" });
    expect(twice.status).to.equal(409);
    expect(certificationCount()).to.equal(before + 1);
  });

  it("lists a certificate ending within 30 days as about to expire, and not one ending in 2099", async function () {
    const client = await loggedIn("zhenpin.li");
    const form = await client.get("/console/certifications/batch");
    const soon = await client.post("/console/certifications/batch", {
      formKey: formKeyOf(form.text),
      gtin: MANGO_GTIN,
      lot: "TY-C2",
      certificateNo: "SZ-SOON",
      validFrom: dateIn(-300),
      validUntil: dateIn(10),
    });
    expect(soon.status, soon.text).to.equal(303);
    const list = await client.get("/console/certifications");
    const expiring = expiringSection(list.text);
    expect(expiring).to.contain(`data-certificate="SZ-SOON"`);
    expect(expiring).not.to.contain(`data-certificate="SZ-PL-001"`);
    expect(expiring).not.to.contain(`data-certificate="SZ-TWICE"`);
    expect(expiring, "a revoked certificate is not about to expire").not.to.contain(`data-certificate="SZ-2026-001"`);
    await h.settle();
  });

  it("refuses bad input beside the field, in the user's language, and writes nothing", async function () {
    const client = await loggedIn("zhenpin.li");
    const before = certificationCount();
    const good = { gtin: MANGO_GTIN, lot: "TY-C3", certificateNo: "SZ-BAD", validFrom: "2026-01-01", validUntil: "2099-12-31" };
    const cases: Array<[string, Record<string, string>, number, string, string]> = [
      ["/console/certifications/batch", { ...good, certificateNo: "" }, 400, "certificateNo", "必填"],
      ["/console/certifications/batch", { ...good, validFrom: "2026-06-01", validUntil: "2026-05-01" }, 400, "validUntil", "结束日期不能早于开始日期"],
      ["/console/certifications/batch", { ...good, validFrom: "2026-13-01" }, 400, "validFrom", "请填写日期时间"],
      ["/console/certifications/batch", { ...good, validUntil: "" }, 400, "validUntil", "必填"],
      ["/console/certifications/batch", { ...good, gtin: "06901234567890" }, 400, "gtin", "商品条码位数或校验位不对"],
      ["/console/certifications/batch", { ...good, lot: "NO-SUCH-LOT" }, 404, "lot", "没有这个批次"],
      ["/console/certifications/batch", { ...good, lot: "", gtin: "", batchId: "0x1234" }, 400, "batchId", "不是批次编号"],
      ["/console/certifications/batch", { ...good, certificateNo: "SZ-PL-001" }, 409, "certificateNo", "这个证书编号已经登记过"],
      ["/console/certifications/product-line", { ...good, producer: "" }, 400, "producer", "必填"],
      ["/console/certifications/product-line", { ...good, producer: carrier.id }, 404, "producer", "请从列表中选择生产合作社"],
    ];
    for (const [path, fields, status, field, words] of cases) {
      const form = await client.get(path);
      const answer = await client.post(path, { formKey: formKeyOf(form.text), ...fields });
      expect(answer.status, `${field}: ${answer.text}`).to.equal(status);
      const row = new RegExp(`<div class="form-row has-error" data-field="${field}">[\\s\\S]*?</div>`).exec(answer.text);
      expect(row, `error beside ${field}`).not.to.equal(null);
      expect(row![0]).to.contain(`class="field-error"`).and.to.contain(words);
    }
    expect(certificationCount(), "nothing written").to.equal(before);

    await client.get("/console/certifications/batch?lang=en");
    const english = await client.post("/console/certifications/batch", { ...good, certificateNo: "" });
    expect(english.status).to.equal(400);
    expect(english.text).to.match(/data-field="certificateNo">[\s\S]*?Required/);
    expect(certificationCount()).to.equal(before);
  });

  it("keeps other organisations out: a carrier gets 403, another certifier cannot see or revoke this one's certificates", async function () {
    const before = certificationCount();
    const carrierClient = await loggedIn("sf.wang");
    expect((await carrierClient.get("/console/certifications")).status).to.equal(403);
    expect((await carrierClient.get("/console/certifications/batch")).status).to.equal(403);
    const post = await carrierClient.post("/console/certifications/batch", { gtin: MANGO_GTIN, lot: "TY-C3", certificateNo: "SZ-CARRIER", validFrom: "2026-01-01", validUntil: "2099-12-31" });
    expect(post.status).to.equal(403);

    const other = await loggedIn("other.cert");
    const list = await other.get("/console/certifications");
    expect(list.status).to.equal(200);
    expect(list.text).not.to.contain("SZ-SOON");
    const id = certificationIdFor(certifier.address, ZHENPIN_SCHEME, "SZ-SOON");
    expect((await other.get(`/console/certifications/${id}/revoke`)).status).to.equal(404);
    expect((await other.post(`/console/certifications/${id}/revoke`, { reason: "不是我的证书" })).status).to.equal(404);
    expect(certificationCount(), "nothing written").to.equal(before);
    await h.settle();
    const row = certificateRow((await (await loggedIn("zhenpin.li")).get("/console/certifications")).text, "SZ-SOON");
    expect(row).to.contain(`data-state="valid"`);
  });

  it("refuses to sign for a certifier that keeps its own key", async function () {
    const client = await loggedIn("ownkey.cert");
    const form = await client.get("/console/certifications/batch");
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`data-error="own-key"`).and.not.to.contain(`name="certificateNo"`);
    const before = certificationCount();
    const post = await client.post("/console/certifications/batch", { gtin: MANGO_GTIN, lot: "TY-C3", certificateNo: "SZ-OWN", validFrom: "2026-01-01", validUntil: "2099-12-31" });
    expect(post.status).to.equal(403);
    expect(certificationCount()).to.equal(before);
  });
});
