/**
 * GET /api/v1/docs on a real gateway: every operation of the OpenAPI document is on the page with
 * who may call it, request bodies are written out, and the page loads nothing from elsewhere.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { escapeHtml } from "../../server/html/html";
import { typeLabel } from "../../server/web/api-docs-page";

interface Doc {
  paths: Record<string, Record<string, { security?: Array<Record<string, unknown>>; requestBody?: unknown }>>;
}

describe("API docs page", function () {
  this.timeout(60_000);
  let h: Harness;
  let doc: Doc;
  let page: string;
  let headers: Headers;

  before(async function () {
    h = await startHarness();
    doc = (await h.call("GET", "/api/v1/openapi.json")).body;
    const response = await fetch(`${h.base}/api/v1/docs`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/html/);
    headers = response.headers;
    page = await response.text();
  });

  after(async function () {
    await h?.stop();
  });

  it("shows every operation of the OpenAPI document, with who may call it", function () {
    let operations = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        operations++;
        const heading = `<code>${method.toUpperCase()}</code> <code>${escapeHtml(path)}</code></h3>`;
        const at = page.indexOf(heading);
        expect(at, `${method} ${path}`).to.be.greaterThan(-1);
        const section = page.slice(at, page.indexOf("</section>", at));
        const scheme = op.security?.[0] ? Object.keys(op.security[0])[0] : "public";
        const who = { public: "公开，无需凭证", apiKey: "机构的 API 密钥", adminToken: "网关的管理员令牌" }[scheme];
        expect(section, `${method} ${path}`).to.contain(who);
        if (op.requestBody) expect(section, `${method} ${path}`).to.contain("请求体");
      }
    }
    expect(operations).to.be.greaterThan(20);
    expect(page.match(/<section class="card operation"/g)).to.have.length(operations);
  });

  it("writes a request body's schema out: its fields, which are required, their types", function () {
    const at = page.indexOf(`<code>POST</code> <code>/api/v1/batches</code></h3>`);
    const section = page.slice(at, page.indexOf("</section>", at));
    expect(section).to.match(/<code>lot<\/code> <strong class="req"[^>]*>\*<\/strong> string/);
    expect(section).to.contain("<code>harvestedAt</code>").and.to.contain("<code>gtin</code>");
  });

  it("loads nothing from another origin and runs no script", function () {
    expect(page).not.to.match(/<script/i);
    const references = [...page.matchAll(/\s(?:href|src|action)="([^"]*)"/g)].map((match) => match[1]);
    expect(references.length).to.be.greaterThan(10);
    for (const reference of references) expect(reference, reference).to.match(/^(\/(?!\/)|#|data:)/);
    expect(page).to.contain('href="/api/v1/openapi.json"');
    expect(headers.get("content-security-policy")).to.contain("default-src 'none'");
  });

  it("is in English when asked", async function () {
    const english = await (await fetch(`${h.base}/api/v1/docs?lang=en`)).text();
    expect(english).to.contain(`<html lang="en">`).and.to.contain("API documentation").and.to.contain("an organisation&#39;s API key");
  });

  it("describes types on one line", function () {
    expect(typeLabel({ type: "string", minLength: 1, maxLength: 20, pattern: "^a$" })).to.equal("string, pattern ^a$, 1–20 characters");
    expect(typeLabel({ type: "array", items: { type: "integer" }, maxItems: 5 })).to.equal("array, of integer, ≤ 5 items");
    expect(typeLabel({ anyOf: [{ const: "kg" }, { type: "null" }] })).to.equal(`"kg" | null`);
    expect(typeLabel({ enum: ["a", "b"] })).to.equal(`one of "a", "b"`);
  });
});
