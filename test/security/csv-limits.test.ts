/**
 * CSV imports (issue 19: "a 19.5 MB CSV of 155,644 rows accepted and stalling the event loop for
 * 3 s"): a file has a row limit and a byte limit, both through the API and the console, checked
 * while the file is read; and the file is parsed on a thread of its own, its rows mapped a few
 * hundred at a time, so that the gateway's thread keeps turning meanwhile. (How long pages wait
 * meanwhile, before and after: scripts/attack-csv-stall.ts.)
 */
import { expect } from "chai";
import { readImportFile, readImportFileInTurns } from "../../server/csv/import-file";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { ConsoleClient, errorBeside } from "../helpers/console-client";
import { goodHarvestCsv } from "../csv/import-fixtures";

const PASSWORD = "correct horse battery";

async function upload(h: Harness, apiKey: string, bytes: Buffer) {
  const response = await fetch(`${h.base}/api/v1/imports?kind=harvest`, {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${apiKey}` },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as any };
}

const importsStored = (h: Harness) => (h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get() as { n: number }).n;

describe("security: CSV imports have a row and a byte limit, and are read off the gateway's thread", function () {
  this.timeout(300_000);

  describe("with the default limits (50,000 rows, 10 MB)", function () {
    let h: Harness;
    let producer: { id: string; apiKey: string };

    before(async function () {
      h = await startHarness();
      producer = await h.org("田阳芒果专业合作社", "producer");
      await h.member(producer.id, "farmer.li", PASSWORD);
    });

    after(async function () {
      await h?.stop();
    });

    it("refuses a file of 50,001 data rows, and stores nothing", async function () {
      const answer = await upload(h, producer.apiKey, goodHarvestCsv("ROWS", 50_001));
      expect(answer.status).to.equal(400);
      expect(answer.body.error.fields).to.deep.equal([{ field: "file", message: "has more than 50000 data rows: split it into files of at most 50000 rows" }]);
      expect(importsStored(h)).to.equal(0);
    });

    it("refuses a file over 10 MB: the API with 413 before reading it, the console beside the file field", async function () {
      const big = Buffer.concat([Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt\n"), Buffer.alloc(10 * 1024 * 1024, 0x41)]);
      const api = await upload(h, producer.apiKey, big);
      expect(api.status).to.equal(413);
      expect(api.body.error.fields).to.deep.equal([{ field: "file", message: "is larger than 10 MB" }]);

      const member = new ConsoleClient(h.base);
      await member.login("farmer.li", PASSWORD);
      await member.get("/console/imports");
      const page = await member.post("/console/imports", { kind: "harvest" }, { files: { file: { name: "大文件.csv", type: "text/csv", data: big } } });
      expect(page.status).to.equal(413);
      expect(errorBeside(page.text, "file")).to.equal("文件超过 10 MB：请分成几个较小的文件");
      expect(importsStored(h)).to.equal(0);
    });
  });

  describe("with CSV_MAX_ROWS at 20", function () {
    let h: Harness;
    let producer: { id: string; apiKey: string };

    before(async function () {
      h = await startHarness({ limits: { csvMaxRows: 20 } });
      producer = await h.org("乐业猕猴桃合作社", "producer");
      await h.member(producer.id, "farmer.wang", PASSWORD);
    });

    after(async function () {
      await h?.stop();
    });

    it("takes 20 rows and refuses 21, through the API and the console alike", async function () {
      expect((await upload(h, producer.apiKey, goodHarvestCsv("TWENTY", 20))).status).to.equal(201);
      const over = await upload(h, producer.apiKey, goodHarvestCsv("MORE", 21));
      expect(over.status).to.equal(400);
      expect(over.body.error.fields[0].message).to.equal("has more than 20 data rows: split it into files of at most 20 rows");

      const member = new ConsoleClient(h.base);
      await member.login("farmer.wang", PASSWORD);
      await member.get("/console/imports");
      const page = await member.post("/console/imports", { kind: "harvest" }, { files: { file: { name: "采收.csv", type: "text/csv", data: goodHarvestCsv("CONSOLE", 21) } } });
      expect(page.status).to.equal(400);
      expect(errorBeside(page.text, "file")).to.equal("数据超过 20 行：请分成每个不超过 20 行的几个文件");
      expect(importsStored(h)).to.equal(1);
    });
  });

  it("reads a maximal file off the gateway's thread: the event loop turns all the while, and the rows are those of the plain reader", async function () {
    const file = goodHarvestCsv("TURNS", 50_000);
    let turns = 0;
    let reading = true;
    const spin = () => {
      turns++;
      if (reading) setImmediate(spin);
    };
    setImmediate(spin);
    const read = await readImportFileInTurns("harvest", file, undefined, { maxRows: 50_000 });
    reading = false;
    // At least one turn for each 500 rows mapped, and more while the reader's thread parsed.
    expect(turns).to.be.at.least(100);
    // (compared as JSON: chai's deep equality of 50,000 rows takes minutes)
    expect(JSON.stringify(read) === JSON.stringify(readImportFile("harvest", file)), "the same rows as readImportFile").to.equal(true);
    expect(read.rows).to.have.length(50_000);
  });
});
