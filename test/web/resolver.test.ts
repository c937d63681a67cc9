/**
 * The GS1-Conformant resolver on the batches' Digital Link URIs (server/web/resolver/), over HTTP.
 *
 * Each test names the requirement it checks. The requirements are those of the GS1-Conformant
 * Resolver standard (GS1, version 1.2.0, Jan 2026; 1.1.0, Feb 2025), cited as
 * "Resolver 1.2 CS" with the requirement's own words, as its conformance statement gives them
 * (GS1 lists them one per line for its resolver test suite: github.com/gs1/GS1DL-resolver-testsuite,
 * ConformantResolver1_0.txt, and the criteria of GS1DigitalLinkResolverTestSuite.js); where the
 * requirement was already in GS1 Digital Link 1.1 (Feb 2020, chapter 8, "resolution", from which
 * the resolver standard was split) its section there is given too, e.g. "DL 1.1 §8.7.3". Link
 * types are the GS1 Web Vocabulary's (https://ref.gs1.org/voc/). Linksets are checked against
 * RFC 9264 (Linkset, July 2022) section 4.2, the JSON form, and against what GS1's linkset schema
 * (GS1-Conformant Resolver 1.2.0 artefacts) adds: an http(s) anchor and a title on every link.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { recordStories, type Stories } from "../helpers/page-stories";
import * as payload from "../../scripts/lib/payloads";
import { batchIdFor } from "../../server/domain/gs1";
import { parseLinkTypeParameter, GS1_VOCABULARY } from "../../server/web/resolver/link-types";
import { batchLevel, linksetDocument, linksOfType, productLevel, unitLevel } from "../../server/web/resolver/linkset";
import { passedOnQuery, readRequestLink } from "../../server/web/resolver/request-link";
import { resolverDescription } from "../../server/web/resolver/description";

const GTIN = payload.MANGO_GTIN;
/** A GTIN with a right check digit of which the ledger has no batch. */
const UNKNOWN_GTIN = payload.TEA_GTIN;
const LINKSET = "application/linkset+json";
const gs1 = (term: string) => `${GS1_VOCABULARY}${term}`;

async function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  const response = await fetch(url, { method, headers, redirect: "manual" });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The links of an HTTP Link header (RFC 8288), by rel. */
function linksOf(header: string | null): Array<{ href: string; rel: string; type?: string }> {
  if (!header) return [];
  return [...header.matchAll(/<([^>]*)>((?:\s*;\s*[a-z*]+="[^"]*")*)/g)].map((m) => {
    const params = Object.fromEntries([...m[2].matchAll(/([a-z*]+)="([^"]*)"/g)].map((p) => [p[1], p[2]]));
    return { href: m[1], rel: params.rel, type: params.type };
  });
}

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/;
const REGISTERED_RELATION = /^[a-z][a-z0-9.-]*$/;

/**
 * What is wrong with a linkset in RFC 9264's JSON form (section 4.2), and with what GS1's
 * linkset schema and conformance statement add; [] when nothing is.
 */
function linksetProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return ["not a JSON object"];
  const keys = Object.keys(doc);
  // §4.2.1: an object whose one member, "linkset", is an array of link context objects.
  if (keys.length !== 1 || keys[0] !== "linkset") problems.push(`members ${keys.join(", ")}: only "linkset" (§4.2.1)`);
  const contexts = (doc as { linkset: unknown }).linkset;
  if (!Array.isArray(contexts) || contexts.length === 0) return [...problems, "linkset is not a non-empty array (§4.2.1)"];
  for (const [i, context] of contexts.entries()) {
    if (!context || typeof context !== "object" || Array.isArray(context)) {
      problems.push(`linkset[${i}] is not an object (§4.2.2)`);
      continue;
    }
    const { anchor, ...relations } = context as Record<string, unknown>;
    // §4.2.2: the anchor, a URI; GS1's schema: an http(s) URI.
    if (typeof anchor !== "string" || !/^https?:\/\/[a-zA-Z0-9./]+/.test(anchor)) problems.push(`linkset[${i}].anchor ${String(anchor)} (§4.2.2, GS1 schema)`);
    if (Object.keys(relations).length === 0) problems.push(`linkset[${i}] has no link relation (§4.2.2)`);
    for (const [rel, targets] of Object.entries(relations)) {
      const where = `linkset[${i}]["${rel}"]`;
      // §4.2.2: a registered relation type's name, or an extension relation type (a URI, RFC 8288 §2.1.2).
      if (!REGISTERED_RELATION.test(rel) && !/^https?:\/\/\S+$/.test(rel)) problems.push(`${where}: not a relation type (§4.2.2)`);
      // §4.2.3: an array of target objects, each with an href.
      if (!Array.isArray(targets) || targets.length === 0) {
        problems.push(`${where}: not a non-empty array of target objects (§4.2.3)`);
        continue;
      }
      for (const [j, target] of targets.entries()) {
        const at = `${where}[${j}]`;
        if (!target || typeof target !== "object" || Array.isArray(target)) {
          problems.push(`${at}: not an object (§4.2.3)`);
          continue;
        }
        for (const [name, value] of Object.entries(target as Record<string, unknown>)) {
          if (name === "href") {
            if (typeof value !== "string" || !URL.canParse(value)) problems.push(`${at}.href is not a URI (§4.2.3)`);
          } else if (name === "title" || name === "type" || name === "media") {
            if (typeof value !== "string") problems.push(`${at}.${name} is not a string (§4.2.4.1)`);
            if (name === "type" && typeof value === "string" && !MEDIA_TYPE.test(value)) problems.push(`${at}.type is not a media type`);
          } else if (name === "hreflang") {
            if (!Array.isArray(value) || value.length === 0 || !value.every((tag) => typeof tag === "string" && LANGUAGE_TAG.test(tag))) problems.push(`${at}.hreflang is not an array of language tags (§4.2.4.1)`);
          } else if (name.endsWith("*")) {
            const ok = Array.isArray(value) && value.every((v) => v && typeof v.value === "string" && typeof v.language === "string" && LANGUAGE_TAG.test(v.language));
            if (!ok) problems.push(`${at}.${name} is not an array of {value, language} (§4.2.4.2)`);
          } else if (!Array.isArray(value)) {
            problems.push(`${at}.${name}: an extension target attribute is an array (§4.2.4.3)`);
          }
        }
        const t = target as Record<string, unknown>;
        if (t.href === undefined) problems.push(`${at} has no href (§4.2.3)`);
        // GS1 schema and Resolver 1.2 CS: "All links in the linkset SHALL include the target URL, the link type and a link title".
        if (typeof t.title !== "string" || t.title === "") problems.push(`${at} has no title (GS1)`);
      }
    }
  }
  return problems;
}

describe("GS1-Conformant resolver", function () {
  this.timeout(180_000);
  let h: Harness;
  let s: Stories;
  let batchUri: string;
  let rdfUrl: string;
  /** A batch with two 圳品 certificates: the expired one and a valid one issued after. */
  let twoCertificates: { batchId: string; lot: string };

  before(async function () {
    h = await startHarness();
    s = await recordStories(h);
    batchUri = `${h.base}/01/${GTIN}/10/${s.journey.lot}`;
    rdfUrl = `${h.base}/.well-known/gs1resolver`;
    const { body } = await h.call("POST", `/api/v1/batches/${s.expired}/certifications`, {
      token: s.orgs.certifier.apiKey,
      body: payload.certification("ZP-PG-0004"),
    });
    expect(body.eventId ?? body.certificationId ?? body.id, JSON.stringify(body)).to.be.a("string");
    await h.settle();
    twoCertificates = { batchId: s.expired, lot: "PG-E1" };
  });

  after(async function () {
    await h?.stop();
  });

  describe("resolver description file", function () {
    it("Resolver 1.2 CS «SHALL provide a resolver description file at /.well-known/gs1resolver» (DL 1.1 §8.11), valid against GS1's description-file schema", async function () {
      const answer = await get(rdfUrl, { Accept: "application/json" });
      expect(answer.status).to.equal(200);
      expect(answer.headers.get("content-type")).to.match(/^application\/json/);
      const rdf = answer.json;
      // GS1's schema (1.2.0): resolverRoot and supportedPrimaryKeys required; the others typed.
      expect(rdf.resolverRoot).to.equal(h.base);
      expect(rdf.supportedPrimaryKeys, "«The list of supported primary identifiers SHALL be provided»").to.deep.equal(["01"]);
      expect(rdf.name).to.be.a("string").and.not.equal("");
      expect(rdf.linkTypeDefaultCanBeLinkset).to.be.a("boolean");
      expect(rdf.supportedContextValuesEnumerated).to.be.an("array");
      for (const entry of rdf.supportedLinkType) {
        expect(entry.prefix).to.match(/^[a-zA-Z_][A-Za-z0-9_-]*?:$/);
        expect(URL.canParse(entry.namespace)).to.equal(true);
      }
      expect(rdf.supportedLinkType).to.deep.include({ namespace: "https://ref.gs1.org/voc/", prefix: "gs1:" });
      expect(rdf.supportedLinkType).to.deep.include({ namespace: `${h.base}/voc/`, prefix: "ledger:" });
      // «A context file that can be used to render the linkset as JSON-LD SHOULD be declared in the Resolver Description File.»
      expect(rdf.jsonLdContextLocation).to.equal("https://ref.gs1.org/standards/resolver/1.2.0/linkset-context");
      expect(answer.headers.get("access-control-allow-origin")).to.equal("*");
    });
  });

  describe("HTTP", function () {
    it("Resolver 1.2 CS «SHALL support HTTP 1.1 (or higher) GET, HEAD and OPTIONS requests» and «SHALL support CORS»", async function () {
      const head = await get(batchUri, {}, "HEAD");
      expect(head.status).to.equal(200);
      expect(head.text).to.equal("");
      expect(head.headers.get("access-control-allow-origin")).to.equal("*");
      const preflight = await get(batchUri, { Origin: "https://shop.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "accept-language" }, "OPTIONS");
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
      expect(preflight.headers.get("access-control-allow-methods")).to.equal("GET, HEAD, OPTIONS");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).to.contain("accept-language");
      const rdfPreflight = await get(rdfUrl, { Origin: "https://shop.example", "Access-Control-Request-Method": "GET" }, "OPTIONS");
      expect(rdfPreflight.status).to.equal(204);
      const linkset = await get(`${batchUri}?linkType=linkset`, { Origin: "https://shop.example" });
      expect(linkset.headers.get("access-control-allow-origin")).to.equal("*");
      expect(linkset.headers.get("access-control-expose-headers")).to.contain("Link");
    });
  });

  describe("the default link", function () {
    it("Resolver 1.2 CS «SHALL redirect to the default link unless there is information supplied in the request that can be used to make a better match» (DL 1.1 §8.7.2): the default link is this page, served here (DL 1.1 §8.8: MAY provide content directly)", async function () {
      const answer = await get(batchUri);
      expect(answer.status).to.equal(200);
      expect(answer.headers.get("content-type")).to.match(/^text\/html/);
      expect(answer.text).to.contain(s.journey.lot);
      const { json: linkset } = await get(`${batchUri}?linkType=linkset`);
      const defaults = linkset.linkset[0][gs1("defaultLink")];
      expect(defaults).to.deep.equal([{ href: batchUri, title: "溯源页面" }]);
    });

    it("Resolver 1.2 CS «SHOULD expose link to the linkset in an HTTP Link header, even when redirecting», and names the resolver description", async function () {
      for (const answer of [await get(batchUri), await get(`${batchUri}?linkType=gs1:traceability`)]) {
        const links = linksOf(answer.headers.get("link"));
        expect(links).to.deep.include({ href: `${batchUri}?linkType=linkset`, rel: "linkset", type: LINKSET });
        expect(links).to.deep.include({ href: rdfUrl, rel: "service-desc", type: "application/json" });
        // «The inclusion of all possible links in the HTTP Link header was deprecated in version 1.0.0»
        expect(links.filter((l) => l.rel.startsWith("gs1:") || l.rel.startsWith("http"))).to.deep.equal([]);
      }
    });

    it("keeps the page's ETag and 304, varying by Accept as well as Accept-Language", async function () {
      const first = await get(batchUri);
      expect(first.headers.get("vary")).to.contain("Accept").and.to.contain("Accept-Language");
      const again = await get(batchUri, { "If-None-Match": first.headers.get("etag")! });
      expect(again.status).to.equal(304);
    });

    it("Resolver 1.2 CS «The resolver SHALL recognise one available link as the default for any given request URI. The default link SHALL NOT have any optional attributes» and «Links that are typed gs1:defaultLink … SHALL also be described using a descriptive link type»", async function () {
      const { json } = await get(`${batchUri}/21/ABCD1234EFGH?linkType=linkset`);
      for (const context of json.linkset) {
        const defaults = context[gs1("defaultLink")];
        expect(defaults, context.anchor).to.have.length(1);
        expect(Object.keys(defaults[0]).sort()).to.deep.equal(["href", "title"]);
        expect(context[gs1("pip")].map((l: { href: string }) => l.href)).to.include(defaults[0].href);
      }
    });
  });

  describe("the linkset", function () {
    it("Resolver 1.2 CS «SHALL respond to a query parameter of linkType set to linkset … by returning a list of links … as per RFC9264» (DL 1.1 §8.7.4), and to linkType=all, its earlier name", async function () {
      for (const value of ["linkset", "all"]) {
        const answer = await get(`${batchUri}?linkType=${value}`);
        expect(answer.status, value).to.equal(200);
        expect(answer.headers.get("content-type")).to.match(/^application\/linkset\+json/);
        expect(linksetProblems(answer.json), value).to.deep.equal([]);
      }
    });

    it("Resolver 1.2 CS «… and/or a request with the HTTP Accept header set to application/linkset+json» — SHALL NOT redirect, and declares the type asked for", async function () {
      const linkset = await get(batchUri, { Accept: LINKSET });
      expect(linkset.status).to.equal(200);
      expect(linkset.headers.get("content-type")).to.match(/^application\/linkset\+json/);
      expect(linksetProblems(linkset.json)).to.deep.equal([]);
      const json = await get(batchUri, { Accept: "application/json" });
      expect(json.status).to.equal(200);
      expect(json.headers.get("content-type")).to.match(/^application\/json/);
      expect(json.json).to.deep.equal(linkset.json);
    });

    it("Resolver 1.2 CS «the resolver SHOULD include an HTTP Link header pointing to a JSON-LD context file with a rel type of http://www.w3.org/ns/json-ld#context»", async function () {
      const answer = await get(batchUri, { Accept: LINKSET });
      expect(linksOf(answer.headers.get("link"))).to.deep.include({
        href: "https://ref.gs1.org/standards/resolver/1.2.0/linkset-context",
        rel: "http://www.w3.org/ns/json-ld#context",
        type: "application/ld+json",
      });
    });

    it("Resolver 1.2 CS «If the request GS1 Digital Link URI includes one or more key qualifiers, any links associated with each level up to the primary key SHALL be included in the linkset», anchored at their uncompressed URIs", async function () {
      const unit = `${batchUri}/21/ABCD1234EFGH`;
      const { json } = await get(unit, { Accept: LINKSET });
      expect(linksetProblems(json)).to.deep.equal([]);
      expect(json.linkset.map((c: { anchor: string }) => c.anchor)).to.deep.equal([unit, batchUri, `${h.base}/01/${GTIN}`]);
    });

    it("offers the batch's page, its EPCIS journey, each 圳品 certificate, its recall status and its label sheet, titled in Chinese and English (Resolver 1.2 CS «All links … SHALL include the target URL, the link type and a link title, and SHOULD include the human language(s)»)", async function () {
      const { json } = await get(`${batchUri}?linkType=linkset`);
      const batch = json.linkset[0];
      const certificate = (await h.call("GET", `/api/v1/batches/${s.journey.batchId}`)).body.certifications[0];
      expect(batch[gs1("pip")]).to.deep.equal([
        {
          href: batchUri,
          title: "溯源页面",
          "title*": [
            { value: "溯源页面", language: "zh" },
            { value: "Provenance page", language: "en" },
          ],
          type: "text/html",
          hreflang: ["zh", "en"],
        },
      ]);
      expect(batch[gs1("traceability")][0]).to.include({ href: `${h.base}/api/v1/batches/${s.journey.batchId}/epcis`, type: "application/json" });
      expect(batch[gs1("certificationInfo")]).to.have.length(1);
      expect(batch[gs1("certificationInfo")][0]).to.include({ href: `${h.base}/api/v1/details/${certificate.proof.dataHash}`, title: "圳品证书 ZP-PG-0001" });
      expect(batch[gs1("recallStatus")][0]).to.include({ href: `${h.base}/p/${s.journey.batchId}/recall.json`, type: "application/json" });
      expect(batch[`${h.base}/voc/labels`][0]).to.include({ href: `${h.base}/labels/${s.journey.batchId}`, type: "text/html" });
      const english = await get(`${batchUri}?linkType=linkset`, { "Accept-Language": "en" });
      expect(english.json.linkset[0][gs1("certificationInfo")][0].title).to.equal("圳品 (Shenzhen Standard) certificate ZP-PG-0001");
      expect(english.headers.get("vary")).to.contain("Accept-Language");
    });

    it("every link's target answers: the page, the EPCISDocument, the certificate's public detail, the recall status, the label sheet", async function () {
      const { json } = await get(`${batchUri}?linkType=linkset`);
      const batch = json.linkset[0];
      expect((await get(batch[gs1("pip")][0].href)).status).to.equal(200);
      const epcis = await get(batch[gs1("traceability")][0].href);
      expect(epcis.status).to.equal(200);
      expect(epcis.json.type).to.equal("EPCISDocument");
      const detail = await get(batch[gs1("certificationInfo")][0].href);
      expect(detail.status).to.equal(200);
      expect(detail.json.certificateNo).to.equal("ZP-PG-0001");
      const recall = await get(batch[gs1("recallStatus")][0].href);
      expect(recall.json).to.include({ batchId: s.journey.batchId, digitalLink: batchUri, recalled: false });
      expect((await get(batch[`${h.base}/voc/labels`][0].href)).status).to.equal(200);
    });
  });

  describe("link types", function () {
    it("Resolver 1.2 CS «SHALL redirect to the requested type of link if available» (DL 1.1 §8.7.3): gs1:pip, gs1:traceability (307)", async function () {
      const pip = await get(`${batchUri}?linkType=gs1:pip`);
      expect(pip.status).to.equal(307);
      expect(pip.headers.get("location")).to.equal(batchUri);
      const traceability = await get(`${batchUri}?linkType=gs1:traceability`);
      expect(traceability.status).to.equal(307);
      expect(traceability.headers.get("location")).to.equal(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
      const epcis = await get(traceability.headers.get("location")!);
      expect(epcis.json.type).to.equal("EPCISDocument");
    });

    it("reads a link type written as a full IRI in any of the GS1 Web Vocabulary's spellings, and our own by CURIE or IRI", async function () {
      for (const value of [`${GS1_VOCABULARY}traceability`, "https://gs1.org/voc/traceability", "http://www.gs1.org/voc/traceability"]) {
        const answer = await get(`${batchUri}?linkType=${encodeURIComponent(value)}`);
        expect(answer.status, value).to.equal(307);
        expect(answer.headers.get("location")).to.equal(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
      }
      for (const value of ["ledger:labels", `${h.base}/voc/labels`]) {
        const answer = await get(`${batchUri}?linkType=${encodeURIComponent(value)}`);
        expect(answer.status, value).to.equal(307);
        expect(answer.headers.get("location")).to.equal(`${h.base}/labels/${s.journey.batchId}`);
      }
    });

    it("Resolver 1.2 CS «By default, SHALL pass on all key=value pairs in the query string of the request URI (if present) when redirecting» (the linkType that chose the link aside)", async function () {
      const answer = await get(`${batchUri}?lang=en&linkType=gs1:pip&17=270101`);
      expect(answer.status).to.equal(307);
      expect(answer.headers.get("location")).to.equal(`${batchUri}?lang=en&17=270101`);
    });

    it("gs1:defaultLink: the default link, by request", async function () {
      const answer = await get(`${batchUri}?linkType=gs1:defaultLink`);
      expect(answer.status).to.equal(307);
      expect(answer.headers.get("location")).to.equal(batchUri);
    });

    it("gs1:certificationInfo: one certificate is redirected to; several that nothing in the request tells apart are listed with 300 Multiple Choices (GS1 resolver test suite: «the resolver should return the list of the available links of that type with an HTTP response code of 300»)", async function () {
      const one = await get(`${batchUri}?linkType=gs1:certificationInfo`);
      expect(one.status).to.equal(307);
      expect(one.headers.get("location")).to.match(new RegExp(`^${h.base}/api/v1/details/0x[0-9a-f]{64}$`));
      const twoUri = `${h.base}/01/${GTIN}/10/${twoCertificates.lot}`;
      const several = await get(`${twoUri}?linkType=gs1:certificationInfo`, { Accept: LINKSET });
      expect(several.status).to.equal(300);
      expect(linksetProblems(several.json)).to.deep.equal([]);
      const offered = several.json.linkset[0][gs1("certificationInfo")].map((l: { title: string }) => l.title);
      expect(offered).to.have.members(["圳品证书 ZP-PG-0003", "圳品证书 ZP-PG-0004"]);
      const page = await get(`${twoUri}?linkType=gs1:certificationInfo`);
      expect(page.status).to.equal(300);
      expect(page.text).to.contain("ZP-PG-0003").and.to.contain("ZP-PG-0004");
    });

    it("a revoked certificate is still offered, said to be revoked", async function () {
      const { json } = await get(`${h.base}/01/${GTIN}/10/PG-V1?linkType=linkset`);
      expect(json.linkset[0][gs1("certificationInfo")][0].title).to.equal("圳品证书 ZP-PG-0002（已撤销）");
    });

    it("gs1:recallStatus: the recall state as JSON, for a recalled batch and for a pack recalled through its input", async function () {
      const recalledUri = `${h.base}/01/${GTIN}/10/PG-R1`;
      const answer = await get(`${recalledUri}?linkType=gs1:recallStatus`);
      expect(answer.status).to.equal(307);
      const recall = await get(answer.headers.get("location")!);
      expect(recall.status).to.equal(200);
      expect(recall.json).to.include({ batchId: s.recalled.batchId, recalled: true, recalledItself: true });
      expect(recall.json.recalls).to.have.length(1);
      const pack = await get(`${h.base}/p/${s.recalled.packId}/recall.json`);
      expect(pack.json).to.include({ recalled: true, recalledItself: false });
      expect(pack.json.recalledThroughInputs).to.deep.equal([{ batchId: s.recalled.batchId, digitalLink: recalledUri }]);
      expect((await get(`${h.base}/p/${batchIdFor(GTIN, "NO-SUCH")}/recall.json`)).status).to.equal(404);
      expect((await get(`${h.base}/p/0x12/recall.json`)).status).to.equal(400);
    });

    it("Resolver 1.2 CS «SHALL return a 404 Not Found message if a link of the requested type is not available», naming the linkset", async function () {
      for (const value of ["gs1:epil", "gs1:nosuchlt", "schema:url", "nonsense"]) {
        const answer = await get(`${batchUri}?linkType=${value}`, { Accept: "application/json" });
        expect(answer.status, value).to.equal(404);
        expect(answer.json.linkset).to.equal(`${batchUri}?linkType=linkset`);
        expect(answer.json.linkTypes).to.include.members(["gs1:pip", "gs1:traceability", "gs1:defaultLink", "ledger:labels"]);
        expect(linksOf(answer.headers.get("link"))).to.deep.include({ href: `${batchUri}?linkType=linkset`, rel: "linkset", type: LINKSET });
      }
      const page = await get(`${batchUri}?linkType=gs1:epil`);
      expect(page.status).to.equal(404);
      expect(page.headers.get("content-type")).to.match(/^text\/html/);
      expect(page.text).to.contain("gs1:epil").and.to.contain(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
    });

    it("a unit's link types are looked for at the unit, then at its batch", async function () {
      const unit = `${batchUri}/21/ABCD1234EFGH`;
      const pip = await get(`${unit}?linkType=gs1:pip`);
      expect(pip.headers.get("location")).to.equal(unit);
      const traceability = await get(`${unit}?linkType=gs1:traceability`);
      expect(traceability.status).to.equal(307);
      expect(traceability.headers.get("location")).to.equal(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
    });
  });

  describe("Digital Link URIs read by the parser", function () {
    it("Resolver 1.2 CS «For primary keys that have key qualifiers, all key qualifiers SHALL be supported»: a variant (22) the ledger does not tell apart resolves to its batch", async function () {
      const variant = `${h.base}/01/${GTIN}/22/GIFTBOX/10/${s.journey.lot}`;
      const page = await get(variant);
      expect(page.status).to.equal(307);
      expect(page.headers.get("location")).to.equal(batchUri);
      const linkset = await get(variant, { Accept: LINKSET });
      expect(linkset.status).to.equal(200);
      expect(linkset.json.linkset[0].anchor).to.equal(batchUri);
      const unitVariant = await get(`${h.base}/01/${GTIN}/22/GIFTBOX/10/${s.journey.lot}/21/ABCD1234EFGH?linkType=gs1:traceability`);
      expect(unitVariant.headers.get("location")).to.equal(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
    });

    it("data attributes in the query leave the batch as it is", async function () {
      const page = await get(`${batchUri}?17=271231&3103=001250`);
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(s.journey.lot);
      const linkset = await get(`${batchUri}?17=271231&linkType=linkset`);
      expect(linkset.json.linkset[0].anchor).to.equal(batchUri);
    });

    it("a GTIN-13 is the same batch: its page is redirected to the 14-digit URI (301), its linkset anchored there", async function () {
      const short = `${h.base}/01/${GTIN.slice(1)}/10/${s.journey.lot}`;
      const page = await get(`${short}?lang=en`);
      expect(page.status).to.equal(301);
      expect(page.headers.get("location")).to.equal(`/01/${GTIN}/10/${s.journey.lot}?lang=en`);
      const linkset = await get(short, { Accept: LINKSET });
      expect(linkset.status).to.equal(200);
      expect(linkset.json.linkset[0].anchor).to.equal(batchUri);
      const traceability = await get(`${short}?linkType=gs1:traceability`);
      expect(traceability.headers.get("location")).to.equal(`${h.base}/api/v1/batches/${s.journey.batchId}/epcis`);
    });

    it("Resolver 1.2 CS «SHOULD tolerate trailing slashes at the end of GS1 Digital Link URIs» (DL 1.1 §11.5)", async function () {
      const plain = await get(batchUri);
      const slash = await get(`${batchUri}/`);
      expect(slash.status).to.equal(plain.status);
      expect(slash.text).to.contain(s.journey.lot);
      expect((await get(`${batchUri}/`, { Accept: LINKSET })).json).to.deep.equal((await get(batchUri, { Accept: LINKSET })).json);
    });

    for (const [name, path, field] of [
      ["a wrong GTIN check digit", `/01/06901234567891/10/PG-J1`, "01"],
      ["qualifiers out of GS1's order", `/01/${GTIN}/21/ABC/10/PG-J1`, "path"],
      ["a path segment after the last AI (GS1's test suite appends /foo)", `/01/${GTIN}/10/PG-J1/foo`, "path"],
      ["a key qualifier in the query", `/01/${GTIN}?10=PG-J1`, "10"],
      ["a data attribute with an impossible date", `/01/${GTIN}/10/PG-J1?17=271399`, "17"],
      ["a lot outside GS1's character set", `/01/${GTIN}/10/${encodeURIComponent("批次")}`, "10"],
    ] as const) {
      it(`Resolver 1.2 CS «SHALL extract and syntactically validate the URI and report errors with an HTTP response code of 400»: ${name}`, async function () {
        const answer = await get(`${h.base}${path}`, { Accept: "application/json" });
        expect(answer.status).to.equal(400);
        expect(answer.json.error).to.include({ code: "invalid_digital_link", field });
        expect(answer.json.error.message).to.be.a("string").and.not.equal("");
        expect(answer.json.resolver).to.equal(rdfUrl);
        expect((await get(`${h.base}${path}${path.includes("?") ? "&" : "?"}linkType=linkset`)).status, "asking for the linkset").to.equal(400);
        // A browser (a shopper's phone) gets the friendly page, as before: never a 200 (CS «SHALL NOT use a 200 OK response code with a resource that indicates an error condition»).
        const page = await get(`${h.base}${path}`);
        expect(page.status).to.equal(404);
        expect(page.text).to.contain("没有找到这个产品");
      });
    }
  });

  describe("identifiers the ledger does not know", function () {
    it("a batch that is not on the ledger: 404 that names the resolver description and the product line above it", async function () {
      const unknown = `${h.base}/01/${GTIN}/10/NOPE`;
      for (const accept of ["application/json", LINKSET]) {
        const answer = await get(unknown, { Accept: accept });
        expect(answer.status).to.equal(404);
        expect(answer.json).to.deep.equal({
          error: { code: "not_found", message: `no batch NOPE of GTIN ${GTIN} on the ledger` },
          resolver: rdfUrl,
          up: `${h.base}/01/${GTIN}`,
        });
        const links = linksOf(answer.headers.get("link"));
        expect(links).to.deep.include({ href: rdfUrl, rel: "service-desc", type: "application/json" });
        expect(links).to.deep.include({ href: `${h.base}/01/${GTIN}`, rel: "up", type: undefined });
      }
      expect((await get(`${unknown}?linkType=gs1:pip`, { Accept: "application/json" })).status).to.equal(404);
      const page = await get(unknown);
      expect(page.status).to.equal(404);
      expect(page.text).to.contain("没有这个批次");
      expect(linksOf(page.headers.get("link"))).to.deep.include({ href: rdfUrl, rel: "service-desc", type: "application/json" });
      expect((await get(`${unknown}/21/ABCD1234EFGH`)).status).to.equal(404);
    });

    it("a product the ledger has no batch of: 404, naming the resolver description", async function () {
      const answer = await get(`${h.base}/01/${UNKNOWN_GTIN}`, { Accept: "application/json" });
      expect(answer.status).to.equal(404);
      expect(answer.json).to.deep.equal({ error: { code: "not_found", message: `no batch of GTIN ${UNKNOWN_GTIN} on the ledger` }, resolver: rdfUrl });
      expect((await get(`${h.base}/01/${UNKNOWN_GTIN}`)).status).to.equal(404);
    });
  });

  describe("a GTIN alone: the product line", function () {
    const product = () => `${h.base}/01/${GTIN}`;

    it("Resolver 1.2 CS «For any request URI, no matter how granular, there SHALL be a default link at the entry level or higher up the tree»: the product line's page lists its batches", async function () {
      const page = await get(product());
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.match(/^text\/html/);
      expect(page.text).to.contain(`href="${batchUri}"`).and.to.contain("PG-P1");
      expect(linksOf(page.headers.get("link"))).to.deep.include({ href: `${product()}?linkType=linkset`, rel: "linkset", type: LINKSET });
    });

    it("its linkset offers the product's batches on the ledger (JSON), and nothing of any one batch", async function () {
      const { status, json } = await get(product(), { Accept: LINKSET });
      expect(status).to.equal(200);
      expect(linksetProblems(json)).to.deep.equal([]);
      expect(json.linkset).to.have.length(1);
      const [line] = json.linkset;
      expect(line.anchor).to.equal(product());
      expect(line[gs1("defaultLink")]).to.deep.equal([{ href: product(), title: "该产品的批次" }]);
      expect(line[gs1("traceability")]).to.equal(undefined);
      const list = await get(line[`${h.base}/voc/batches`][0].href);
      expect(list.status).to.equal(200);
      expect(list.json.batches.map((b: { lot: string }) => b.lot)).to.include(s.journey.lot);
    });

    it("a unit named without its lot walks up to the product line", async function () {
      const answer = await get(`${product()}/21/ABCD1234EFGH`);
      expect(answer.status).to.equal(307);
      expect(answer.headers.get("location")).to.equal(product());
    });
  });

  describe("units", function () {
    it("counts a unit's scans exactly as before: only a GET of its page is a scan, never a linkset, a redirect, a HEAD or an OPTIONS", async function () {
      const { body } = await h.call("POST", `/api/v1/batches/${s.journey.batchId}/serials`, { token: s.orgs.producer.apiKey, body: { count: 1 } });
      const serial = body.serials[0].serial as string;
      const unit = `${batchUri}/21/${serial}`;
      const scans = () => (h.db.prepare(`SELECT scan_count FROM serials WHERE serial = ?`).get(serial) as { scan_count: number }).scan_count;
      const first = await get(unit, { "User-Agent": "phone 1" });
      expect(first.status).to.equal(200);
      expect(first.headers.get("cache-control")).to.equal("no-store");
      expect(first.text).to.contain("此单品码已被扫描 1 次");
      expect(linksOf(first.headers.get("link"))).to.deep.include({ href: `${unit}?linkType=linkset`, rel: "linkset", type: LINKSET });
      expect(scans()).to.equal(1);
      await get(unit, { "User-Agent": "app 2", Accept: LINKSET });
      await get(unit, { "User-Agent": "app 3", Accept: "application/json" });
      await get(`${unit}?linkType=linkset`, { "User-Agent": "app 4" });
      const pip = await get(`${unit}?linkType=gs1:pip`, { "User-Agent": "app 5" });
      expect(pip.status).to.equal(307);
      await get(`${unit}?linkType=gs1:traceability`, { "User-Agent": "app 6" });
      await get(`${unit}?linkType=gs1:epil`, { "User-Agent": "app 7" });
      await get(unit, { "User-Agent": "checker 8" }, "HEAD");
      await get(unit, { "User-Agent": "browser 9", Origin: "https://shop.example", "Access-Control-Request-Method": "GET" }, "OPTIONS");
      expect(scans(), "nothing but a GET of the page counts").to.equal(1);
      const followed = await get(pip.headers.get("location")!, { "User-Agent": "phone 10" });
      expect(followed.text).to.contain("此单品码已被扫描 2 次");
      expect(scans()).to.equal(2);
    });

    it("a unit written with a GTIN-13 is redirected to its canonical URI (301) before it is counted", async function () {
      const answer = await get(`${h.base}/01/${GTIN.slice(1)}/10/${s.journey.lot}/21/ABCD1234EFGH`);
      expect(answer.status).to.equal(301);
      expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/${s.journey.lot}/21/ABCD1234EFGH`);
    });
  });

  describe("building blocks", function () {
    const root = "https://trace.example.cn";

    it("parses linkType values: CURIEs, the GS1 vocabulary's spellings, our namespace, linkset and all", function () {
      expect(parseLinkTypeParameter("gs1:pip", root)).to.deep.equal({ kind: "type", iri: gs1("pip") });
      expect(parseLinkTypeParameter("https://www.gs1.org/voc/pip", root)).to.deep.equal({ kind: "type", iri: gs1("pip") });
      expect(parseLinkTypeParameter("ledger:labels", root)).to.deep.equal({ kind: "type", iri: `${root}/voc/labels` });
      expect(parseLinkTypeParameter("linkset", root)).to.deep.equal({ kind: "linkset" });
      expect(parseLinkTypeParameter("all", root)).to.deep.equal({ kind: "linkset" });
      expect(parseLinkTypeParameter("gs1:", root).kind).to.equal("unknown");
      expect(parseLinkTypeParameter("https://example.com/voc/pip", root).kind).to.equal("unknown");
    });

    it("offers the certificates an extension gives (extraCertificationLinks) as gs1:certificationInfo, beside the 圳品 ones", function () {
      const facts = { batchId: batchIdFor(GTIN, "L1"), gtin: GTIN, lot: "L1", certifications: [{ certificateNo: "ZP-1", revoked: false, dataHash: `0x${"ab".repeat(32)}` }] };
      const level = batchLevel(root, facts, [
        { href: "/promise-certificates/0x01", title: { zh: "承诺达标合格证 HG-1", en: "Promise certificate HG-1" }, type: "text/html", hreflang: ["zh-CN"] },
        { href: "https://elsewhere.example/cert.json", title: "承诺达标合格证 HG-1 (JSON)", type: "application/json" },
      ]);
      const doc = linksetDocument([unitLevel(root, facts, "U1"), level, productLevel(root, GTIN)], "en");
      expect(linksetProblems(doc)).to.deep.equal([]);
      const certificates = linksOfType([level], gs1("certificationInfo"))!.links;
      expect(certificates.map((l) => l.href)).to.deep.equal([`${root}/api/v1/details/0x${"ab".repeat(32)}`, `${root}/promise-certificates/0x01`, "https://elsewhere.example/cert.json"]);
      expect(certificates[2].title).to.deep.equal({ zh: "承诺达标合格证 HG-1 (JSON)", en: "承诺达标合格证 HG-1 (JSON)" });
      expect(batchLevel(root, facts).links.filter((l) => l.rel === gs1("certificationInfo"))).to.have.length(1);
    });

    it("the checker of RFC 9264's JSON form finds what is wrong", function () {
      expect(linksetProblems({ linkset: [{ anchor: "https://x.example/01/1", "https://gs1.org/voc/pip": [{ href: "https://x.example/p", title: "p" }] }] })).to.deep.equal([]);
      expect(linksetProblems({ linkset: [] })).not.to.deep.equal([]);
      expect(linksetProblems({ linkset: [{ anchor: "https://x.example/01/1", description: "a product" }] })).not.to.deep.equal([]);
      expect(linksetProblems({ linkset: [{ anchor: "https://x.example/01/1", pip: [{ href: "https://x.example/p", title: "p", hreflang: "en" }] }] })).not.to.deep.equal([]);
      expect(linksetProblems({ linkset: [{ anchor: "https://x.example/01/1", pip: [{ title: "p" }] }] })).not.to.deep.equal([]);
      expect(linksetProblems({ linkset: [{ anchor: "https://x.example/01/1", pip: [{ href: "https://x.example/p" }] }] }), "GS1: a title").not.to.deep.equal([]);
    });

    it("reads a request's Digital Link with one trailing slash tolerated, and passes the query on without its linkType", function () {
      const read = readRequestLink("https://x.example", `/01/${GTIN}/10/L1/`, "17=271231");
      expect(read.ok && read.link.canonicalPath).to.equal(`/01/${GTIN}/10/L1`);
      const refused = readRequestLink("https://x.example", `/01/${GTIN}/10/L1//`, "");
      expect(refused.ok).to.equal(false);
      // What RFC 3986 lets a path hold raw (as encodeURIComponent leaves it) is the same lot.
      const raw = readRequestLink("https://x.example", `/01/${GTIN}/10/${encodeURIComponent("AC&1'(x)")}`, "99=A(1)");
      expect(raw.ok && raw.link.lot).to.equal("AC&1'(x)");
      expect(raw.ok && raw.path).to.equal(`/01/${GTIN}/10/AC%261%27%28x%29`);
      expect(raw.ok && raw.link.attributes).to.deep.equal([{ ai: "99", value: "A(1)" }]);
      expect(passedOnQuery("linkType=gs1%3Apip&lang=en&17=271231")).to.equal("lang=en&17=271231");
      expect(passedOnQuery("link%54ype=gs1:pip&x=1")).to.equal("x=1");
    });

    it("describes the resolver at the root PUBLIC_BASE_URL names, without its trailing slash", function () {
      expect(resolverDescription(`${root}/`).resolverRoot).to.equal(root);
    });
  });
});
