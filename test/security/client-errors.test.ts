/**
 * A client's mistake is answered 4xx, never 500 (issue 19: "client errors answered 500 with a
 * stack in the log"): a bad percent-escape in the path, a wrong or unsupported Content-Encoding,
 * a truncated multipart body, a malformed url-encoded body. Pages answer with the friendly page,
 * the API with its JSON error.
 */
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { ConsoleClient } from "../helpers/console-client";
import { harvest } from "../../scripts/lib/payloads";
import { multipartPieces, rawRequest } from "../../scripts/lib/raw-http";

const PASSWORD = "correct horse battery";

describe("security: client errors are 4xx, never 500", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; apiKey: string };
  let member: ConsoleClient;

  const session = () => `plc_session=${member.cookie("plc_session")}`;
  const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) => {
    const response = await fetch(`${h.base}${path}`, { method, headers: { cookie: session(), ...headers }, body, redirect: "manual" });
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
  };

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    await h.member(producer.id, "farmer.li", PASSWORD);
    member = new ConsoleClient(h.base);
    await member.login("farmer.li", PASSWORD);
    await member.get("/console/imports");
  });

  after(async function () {
    await h?.stop();
  });

  it("answers a path with a bad percent-escape 400: the friendly page, or the API's JSON error", async function () {
    for (const path of ["/p/%E0%A4%A", "/01/%E0%A4%A/10/LOT1", "/01/06901234567892/10/%E0%A4%A/21/1", "/console/batches/%E0%A4%A"]) {
      const answer = await send("GET", path);
      expect(answer.status, path).to.equal(400);
      expect(answer.type, path).to.match(/^text\/html/);
      expect(answer.text, path).to.include('data-error="400"');
    }
    const api = await send("GET", "/api/v1/batches/%E0%A4%A");
    expect(api.status).to.equal(400);
    expect(JSON.parse(api.text).error.code).to.equal("invalid_request");
  });

  it("answers a wrong or unsupported Content-Encoding 4xx on API and console POSTs", async function () {
    const json = JSON.stringify(harvest("ENC-1"));
    const auth = { authorization: `Bearer ${producer.apiKey}`, "content-type": "application/json" };
    const api = [
      await send("POST", "/api/v1/batches", { ...auth, "content-encoding": "gzip" }, json), // says gzip, is not
      await send("POST", "/api/v1/batches", { ...auth, "content-encoding": "br" }, json),
      await send("POST", "/api/v1/batches", { ...auth, "content-encoding": "compress" }, json),
      await send("POST", "/api/v1/imports?kind=harvest", { authorization: auth.authorization, "content-type": "text/csv", "content-encoding": "gzip" }, gzipSync("product\n")),
    ];
    expect(api.map((a) => a.status)).to.deep.equal([400, 400, 415, 415]);
    for (const answer of api) expect(JSON.parse(answer.text).error.code).to.be.oneOf(["invalid_request", "unsupported_encoding"]);

    const form = new URLSearchParams({ _csrf: member.csrf!, kind: "harvest" }).toString();
    for (const encoding of ["gzip", "deflate", "compress"]) {
      const page = await send("POST", "/console/imports/00000000-0000-0000-0000-000000000000/run", { "content-type": "application/x-www-form-urlencoded", "content-encoding": encoding }, form);
      expect(page.status, encoding).to.equal(415);
      expect(page.type, encoding).to.match(/^text\/html/);
    }
  });

  it("answers a truncated multipart body 400 with the console's page", async function () {
    const form = multipartPieces([["_csrf", member.csrf!], ["kind", "harvest"]], { field: "file", name: "a.csv", type: "text/csv" });
    // The body ends inside the file part: no closing boundary ever comes.
    const answer = await rawRequest(h.base, {
      path: "/console/imports",
      headers: { "Content-Type": form.contentType, Cookie: session() },
      head: form.head,
      fillerBytes: 1000,
    });
    expect(answer.status).to.equal(400);
    expect(answer.body).to.include('data-error="badForm"');
    // No boundary in the Content-Type at all.
    const noBoundary = await send("POST", "/console/imports", { "content-type": "multipart/form-data" }, "x");
    expect(noBoundary.status).to.equal(400);
  });

  it("answers a malformed url-encoded body 4xx with the console's page", async function () {
    const login = "/console/login";
    const cases: Array<[Record<string, string>, string, number]> = [
      [{ "content-type": "application/x-www-form-urlencoded; charset=klingon" }, `_csrf=${member.csrf}`, 415],
      [{ "content-type": "application/x-www-form-urlencoded" }, Array.from({ length: 3_000 }, (_, i) => `f${i}=1`).join("&"), 413],
      [{ "content-type": "application/x-www-form-urlencoded" }, `_csrf=${member.csrf}&${"a=1&".repeat(200)}`, 413],
    ];
    for (const [headers, body, status] of cases) {
      const path = status === 413 && body.startsWith("_csrf") ? login : "/console/imports/00000000-0000-0000-0000-000000000000/run";
      const answer = await send("POST", path, headers, body);
      expect(answer.status, `${path} ${headers["content-type"]} ${body.slice(0, 30)}`).to.equal(status);
      expect(answer.type).to.match(/^text\/html/);
    }
  });
});
