/**
 * Compressed answers on a real gateway, read as raw bytes (node:http, which does not decode):
 * gzip and br decompress to the very body sent uncompressed; Vary says Accept-Encoding; a small
 * body, an image and a credentialed or console answer are sent as they are; ETag/304 (a strong
 * ETag made weak), HEAD and the page cache work as before.
 */
import { expect } from "chai";
import express from "express";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { chooseCoding, compressAnswers, MIN_BYTES } from "../../server/web/compression";
import { listen } from "../../server/web/http-server";

const GTIN = payload.MANGO_GTIN;
const LOT = "GZ-1";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("compressed answers", function () {
  this.timeout(60_000);
  let h: Harness;
  let pageUrl: string;

  before(async function () {
    h = await startHarness();
    const producer = await h.org("田阳芒果专业合作社", "producer");
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest(LOT) })).status).to.equal(202);
    await h.settle();
    pageUrl = `${h.base}/01/${GTIN}/10/${LOT}`;
  });

  after(async function () {
    await h?.stop();
  });

  it("gzips a page to the same bytes it sends uncompressed, saying Vary: Accept-Encoding", async function () {
    const plain = await raw(pageUrl);
    const gzipped = await raw(pageUrl, { "Accept-Encoding": "gzip" });
    expect(plain.status).to.equal(200);
    expect(plain.headers["content-encoding"]).to.equal(undefined);
    expect(plain.body.length).to.be.greaterThan(MIN_BYTES);
    expect(gzipped.headers["content-encoding"]).to.equal("gzip");
    expect(gzipped.headers.vary).to.contain("Accept-Encoding").and.to.contain("Accept-Language");
    expect(plain.headers.vary).to.contain("Accept-Encoding");
    expect(Number(gzipped.headers["content-length"])).to.equal(gzipped.body.length).and.to.be.lessThan(plain.body.length);
    expect(zlib.gunzipSync(gzipped.body).equals(plain.body)).to.equal(true);
    expect(gzipped.headers["content-type"]).to.equal(plain.headers["content-type"]);
  });

  it("answers br to a client that prefers it, and gzip to one that prefers that", async function () {
    const plain = await raw(pageUrl);
    const br = await raw(pageUrl, { "Accept-Encoding": "gzip;q=0.5, br" });
    expect(br.headers["content-encoding"]).to.equal("br");
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).to.equal(true);
    expect((await raw(pageUrl, { "Accept-Encoding": "gzip, br;q=0.1" })).headers["content-encoding"]).to.equal("gzip");
    expect((await raw(pageUrl, { "Accept-Encoding": "identity" })).headers["content-encoding"]).to.equal(undefined);
  });

  it("keeps the page cache, the ETag and its 304 (with Vary) whatever the coding", async function () {
    const first = await raw(pageUrl, { "Accept-Encoding": "gzip" });
    const second = await raw(pageUrl, { "Accept-Encoding": "gzip" });
    expect(second.headers["x-page-cache"]).to.equal("hit");
    expect(second.body.equals(first.body)).to.equal(true);
    const etag = String(first.headers.etag);
    expect(etag).to.match(/^W\/"/);
    expect((await raw(pageUrl)).headers.etag).to.equal(etag);
    const notModified = await raw(pageUrl, { "Accept-Encoding": "gzip", "If-None-Match": etag });
    expect(notModified.status).to.equal(304);
    expect(notModified.body.length).to.equal(0);
    expect(notModified.headers["content-encoding"]).to.equal(undefined);
    expect(notModified.headers.vary).to.contain("Accept-Encoding");
  });

  it("answers HEAD with the headers GET has and no body", async function () {
    const get = await raw(pageUrl, { "Accept-Encoding": "gzip" });
    const head = await raw(pageUrl, { "Accept-Encoding": "gzip" }, "HEAD");
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(head.headers["content-encoding"]).to.equal("gzip");
    expect(head.headers["content-length"]).to.equal(get.headers["content-length"]);
    expect(head.headers.etag).to.equal(get.headers.etag);
  });

  it("compresses public JSON of the API", async function () {
    const plain = await raw(`${h.base}/api/v1/openapi.json`);
    const gzipped = await raw(`${h.base}/api/v1/openapi.json`, { "Accept-Encoding": "gzip" });
    expect(gzipped.headers["content-encoding"]).to.equal("gzip");
    expect(JSON.parse(zlib.gunzipSync(gzipped.body).toString("utf8"))).to.deep.equal(JSON.parse(plain.body.toString("utf8")));
    expect(gzipped.headers["content-type"]).to.match(/^application\/json; charset=utf-8/);
  });

  it("sends a small body, an image, a credentialed answer and the console as they are", async function () {
    const small = await raw(`${h.base}/healthz`, { "Accept-Encoding": "gzip" });
    expect(small.status).to.equal(200);
    expect(small.body.length).to.be.lessThan(MIN_BYTES);
    expect(small.headers["content-encoding"]).to.equal(undefined);
    const png = await raw(`${pageUrl}/qr.png`, { "Accept-Encoding": "gzip" });
    expect(png.headers["content-type"]).to.equal("image/png");
    expect(png.headers["content-encoding"]).to.equal(undefined);
    const credentialed = await raw(`${h.base}/api/v1/openapi.json`, { "Accept-Encoding": "gzip", Authorization: "Bearer not-a-key" });
    expect(credentialed.status).to.equal(200);
    expect(credentialed.headers["content-encoding"]).to.equal(undefined);
    const withSession = await raw(pageUrl, { "Accept-Encoding": "gzip", Cookie: "unit_scan=x; plc_session=y" });
    expect(withSession.status).to.equal(200);
    expect(withSession.headers["content-encoding"]).to.equal(undefined);
    expect((await raw(pageUrl, { "Accept-Encoding": "gzip", Cookie: "plc_lang=en" })).headers["content-encoding"]).to.equal("gzip");
    const login = await raw(`${h.base}/console/login`, { "Accept-Encoding": "gzip" });
    expect(login.status).to.equal(200);
    expect(login.body.length).to.be.greaterThan(MIN_BYTES);
    expect(login.headers["content-encoding"]).to.equal(undefined);
  });

  it("weakens a strong ETag when it compresses, and still answers 304 to it", async function () {
    const body = JSON.stringify({ text: "消费帮扶".repeat(400) });
    const app = express()
      .use(compressAnswers())
      .get("/strong", (_req, res) => {
        res.set("ETag", '"abc"').type("json").send(body);
      });
    const server = await listen(createServer(app), 0, "127.0.0.1");
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/strong`;
      const plain = await raw(url);
      expect(plain.headers.etag).to.equal('"abc"');
      const gzipped = await raw(url, { "Accept-Encoding": "gzip" });
      expect(gzipped.headers.etag).to.equal('W/"abc"');
      expect(zlib.gunzipSync(gzipped.body).toString("utf8")).to.equal(body);
      const again = await raw(url, { "Accept-Encoding": "gzip", "If-None-Match": 'W/"abc"' });
      expect(again.status).to.equal(304);
      expect(again.headers.vary).to.contain("Accept-Encoding");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reads Accept-Encoding by q", function () {
    expect(chooseCoding(undefined)).to.equal(undefined);
    expect(chooseCoding("gzip, deflate")).to.equal("gzip");
    expect(chooseCoding("gzip, deflate, br")).to.equal("br");
    expect(chooseCoding("br;q=0, gzip;q=0.2")).to.equal("gzip");
    expect(chooseCoding("*")).to.equal("br");
    expect(chooseCoding("gzip;q=0, br;q=0")).to.equal(undefined);
    expect(chooseCoding("deflate")).to.equal(undefined);
  });
});
