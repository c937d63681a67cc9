import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  aiDefinition,
  buildDigitalLink,
  dataAttributesFor,
  DICTIONARY_SOURCE,
  DigitalLinkError,
  parseDigitalLink,
  primaryKeys,
  validateAiValue,
  type AiValue,
  type DigitalLink,
  type DigitalLinkParts,
  type ParseDigitalLinkOptions,
} from "../../server/domain/gs1-digital-link";

/**
 * Cases from GS1's published material: the Digital Link standard's examples and GS1's own test
 * suites (gs1/gs1-syntax-engine, gs1/digital-link.js, gs1/gs1-syntax-dictionary), each naming
 * its source; see test/fixtures/gs1-digital-link/README.md.
 */
interface Case {
  id: string;
  uri: string;
  valid: boolean;
  source: string;
  options?: ParseDigitalLinkOptions;
  expect?: {
    primary: [string, string];
    qualifiers: Array<[string, string]>;
    attributes: Array<[string, string]>;
    other: Array<[string, string]>;
    stem?: string;
  };
  problem?: { field: string; message: string };
  /** The URI is already canonical: build(parse(uri)) gives it back. */
  canonical?: boolean;
  /** What build(parse(uri)) gives for a valid but not canonical URI. */
  canonicalUri?: string;
  /** Which item of the parser's brief the case covers. */
  covers?: string;
}

const FIXTURES = path.join(__dirname, "..", "fixtures", "gs1-digital-link");
const CASES: Case[] = (JSON.parse(readFileSync(path.join(FIXTURES, "cases.json"), "utf8")) as { cases: Case[] }).cases;

const pair = ([ai, value]: [string, string]): AiValue => ({ ai, value });

function parsed(uri: string, options?: ParseDigitalLinkOptions): DigitalLink {
  const result = parseDigitalLink(uri, options);
  if (!result.ok) expect.fail(`${uri} refused: ${result.problem.field}: ${result.problem.message}`);
  return result.value;
}

function rebuild(link: DigitalLink): string {
  return buildDigitalLink(link.stem, link);
}

function buildError(base: string, parts: DigitalLinkParts): DigitalLinkError {
  try {
    buildDigitalLink(base, parts);
  } catch (error) {
    expect(error).to.be.instanceOf(DigitalLinkError);
    return error as DigitalLinkError;
  }
  return expect.fail("buildDigitalLink did not throw");
}

describe("GS1 Digital Link URIs (server/domain/gs1-digital-link)", function () {
  describe("cases from GS1's published material (test/fixtures/gs1-digital-link/cases.json)", function () {
    it("has at least 40 cases, each naming its source, with unique ids", function () {
      expect(CASES.length).to.be.at.least(40);
      expect(new Set(CASES.map((c) => c.id)).size).to.equal(CASES.length);
      for (const c of CASES) expect(c.source, c.id).to.be.a("string").and.not.equal("");
    });

    it("covers each item the parser was asked to get right", function () {
      const covered = new Set(CASES.map((c) => c.covers));
      for (const item of [
        // valid URIs the gateway refused
        "qualifier-22-before-10",
        "query-ais",
        "gtin-8-12-13",
        // invalid URIs the gateway accepted
        "duplicate-ai",
        "unknown-ai",
        "empty-query-value",
        "malformed-query-value",
        "serial-too-long",
        "serial-outside-cset82",
        "trailing-slash",
        "unencoded-character",
        "qualifier-out-of-order",
        "attribute-repeats-path-ai",
        "check-digit",
      ]) {
        expect(covered.has(item), item).to.equal(true);
      }
    });

    for (const c of CASES) {
      it(`${c.id}: ${c.valid ? "accepts" : "refuses"} ${c.uri.length > 110 ? `${c.uri.slice(0, 110)}…` : c.uri}`, function () {
        const result = parseDigitalLink(c.uri, c.options);
        if (!c.valid) {
          if (result.ok) expect.fail(`accepted: ${JSON.stringify(result.value)}`);
          const problem = c.problem as { field: string; message: string };
          expect(result.problem.field).to.equal(problem.field);
          expect(result.problem.message.toLowerCase()).to.include(problem.message.toLowerCase());
          return;
        }
        if (!result.ok) expect.fail(`refused: ${result.problem.field}: ${result.problem.message}`);
        const want = c.expect as NonNullable<Case["expect"]>;
        expect(result.value.primary).to.deep.equal(pair(want.primary));
        expect(result.value.qualifiers).to.deep.equal(want.qualifiers.map(pair));
        expect(result.value.attributes).to.deep.equal(want.attributes.map(pair));
        expect(result.value.other).to.deep.equal(want.other.map(([name, value]) => ({ name, value })));
        if (want.stem) expect(result.value.stem).to.equal(want.stem);
        if (want.primary[0] === "01") {
          expect(result.value.gtin14).to.equal(want.primary[1]);
          expect(result.value.lot).to.equal(want.qualifiers.find(([ai]) => ai === "10")?.[1]);
          expect(result.value.serial).to.equal(want.qualifiers.find(([ai]) => ai === "21")?.[1]);
        } else {
          expect(result.value.gtin14).to.equal(undefined);
        }
        if (c.canonical) expect(rebuild(result.value)).to.equal(c.uri);
        if (c.canonicalUri) {
          expect(rebuild(result.value)).to.equal(c.canonicalUri);
          const again = parsed(c.canonicalUri);
          expect({ ...again, attributes: [] }).to.deep.equal({ ...result.value, attributes: [] });
          expect(again.attributes).to.have.deep.members(result.value.attributes);
        }
      });
    }
  });

  describe("parseDigitalLink", function () {
    it("gives the batch of a GTIN and lot, and the unit of a serial", function () {
      const unit = parsed("https://trace.example.cn/01/06901234567892/10/LOT%2F7/21/0A1B2C3D4E5F");
      expect(unit.gtin14).to.equal("06901234567892");
      expect(unit.lot).to.equal("LOT/7");
      expect(unit.serial).to.equal("0A1B2C3D4E5F");
      expect(unit.canonicalPath).to.equal("/01/06901234567892/10/LOT%2F7/21/0A1B2C3D4E5F");
      expect(unit.stem).to.equal("https://trace.example.cn");
    });

    it("writes the canonical path with the GTIN as 14 digits and every reserved character percent-encoded", function () {
      const link = parsed("https://example.com/01/6901234567892/10/A%2dB%2f%21");
      expect(link.canonicalPath).to.equal("/01/06901234567892/10/A-B%2F%21");
    });

    it("returns linkType and other parameters that are not AIs, decoded", function () {
      const link = parsed("https://id.gs1.org/01/09520123456788?linkType=gs1:certificationInfo&context=zh%2DCN&q=a+b");
      expect(link.other).to.deep.equal([
        { name: "linkType", value: "gs1:certificationInfo" },
        { name: "context", value: "zh-CN" },
        { name: "q", value: "a b" },
      ]);
    });

    it("accepts a GTIN-14 in strict mode and refuses zero-suppressed ones there", function () {
      expect(parseDigitalLink("https://a/01/09520123456788", { permitZeroSuppressedGtin: false }).ok).to.equal(true);
      expect(parseDigitalLink("https://a/01/9520123456788", { permitZeroSuppressedGtin: false }).ok).to.equal(false);
      expect(parsed("https://a/01/9520123456788").gtin14).to.equal("09520123456788");
    });

    it("refuses what is not a string without throwing", function () {
      const result = parseDigitalLink(42 as unknown as string);
      expect(result).to.deep.equal({ ok: false, problem: { field: "uri", message: "the URI must be a string" } });
    });

    it("never throws, whatever the input", function () {
      const tails = fc.oneof(
        fc.string(),
        fc.string({ unit: fc.constantFrom("/", "?", "&", "=", "%", "#", "0", "1", "2", "A", "a", "+", "~", "é", " ") }),
      );
      fc.assert(
        fc.property(fc.constantFrom("", "https://a", "https://a/01/09520123456788", "https://a/01/09520123456788/10/X"), tails, (head, tail) => {
          const result = parseDigitalLink(`${head}${tail}`);
          expect(result.ok === true || typeof result.problem.message === "string").to.equal(true);
        }),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
          parseDigitalLink(url);
        }),
        { numRuns: 500 },
      );
    });

    it("refuses very long input without throwing", function () {
      const long = "A".repeat(200_000);
      expect(parseDigitalLink(`https://a/01/09520123456788/10/${long}`)).to.include({ ok: false });
      expect(parseDigitalLink(`https://a/01/09520123456788?99=${long}`)).to.include({ ok: false });
      expect(parseDigitalLink(`https://a/${"x/".repeat(100_000)}01/09520123456788`).ok).to.equal(true);
    });

    it("refuses a malformed percent-encoding anywhere in the path", function () {
      const result = parseDigitalLink("https://a/shop%zz/01/09520123456788");
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.problem).to.deep.include({ field: "path" });
      expect(parseDigitalLink("https://a/01/09520123456788/10/AB%2").ok).to.equal(false);
    });

    it("reads back every link it builds (random lots and serials of character set 82)", function () {
      const cset82 = fc.constantFrom(...`!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`);
      const value = fc.string({ unit: cset82, minLength: 1, maxLength: 20 });
      fc.assert(
        fc.property(value, value, (lot, serial) => {
          const uri = buildDigitalLink("https://example.com/p", {
            primary: { ai: "01", value: "06901234567892" },
            qualifiers: [
              { ai: "21", value: serial },
              { ai: "10", value: lot },
            ],
          });
          const link = parsed(uri);
          expect([link.lot, link.serial]).to.deep.equal([lot, serial]);
          expect(rebuild(link)).to.equal(uri);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe("buildDigitalLink (cases after gs1/gs1-syntax-engine src/c-lib/dl.c, test_dl_generateDLuri)", function () {
    const GTIN = { ai: "01", value: "12312312312326" };

    it("puts the primary key and its qualifiers on the base", function () {
      expect(buildDigitalLink("https://id.gs1.org", { primary: GTIN, qualifiers: [{ ai: "21", value: "abc123" }] })).to.equal(
        "https://id.gs1.org/01/12312312312326/21/abc123",
      );
      expect(
        buildDigitalLink("https://example.com", {
          primary: GTIN,
          qualifiers: [
            { ai: "22", value: "ABC" },
            { ai: "10", value: "DEF" },
            { ai: "21", value: "GHI" },
          ],
          attributes: [{ ai: "95", value: "INT" }],
        }),
      ).to.equal("https://example.com/01/12312312312326/22/ABC/10/DEF/21/GHI?95=INT");
    });

    it("orders qualifiers as the key's sequence gives them", function () {
      expect(
        buildDigitalLink("https://example.com", {
          primary: { ai: "01", value: "12312312312333" },
          qualifiers: [
            { ai: "21", value: "XYZ" },
            { ai: "10", value: "ABC123" },
          ],
          attributes: [{ ai: "99", value: "XYZ" }],
        }),
      ).to.equal("https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ");
    });

    it("percent-encodes '+' in the path and the query", function () {
      expect(
        buildDigitalLink("https://example.com", {
          primary: { ai: "01", value: "12312312312333" },
          qualifiers: [{ ai: "10", value: "ABC+123" }],
          attributes: [{ ai: "99", value: "XYZ+QWERTY" }],
        }),
      ).to.equal("https://example.com/01/12312312312333/10/ABC%2B123?99=XYZ%2BQWERTY");
    });

    it("writes data attributes in AI order (GS1's engine keeps the order received), other parameters after them", function () {
      expect(
        buildDigitalLink("https://example.com", {
          primary: { ai: "8017", value: "795260646688514634" },
          attributes: [
            { ai: "99", value: "000001" },
            { ai: "253", value: "9526064000028000001" },
          ],
        }),
      ).to.equal("https://example.com/8017/795260646688514634?253=9526064000028000001&99=000001");
      expect(
        buildDigitalLink("https://example.com", {
          primary: { ai: "253", value: "9526064000028000001" },
          attributes: [
            { ai: "99", value: "000001" },
            { ai: "01", value: "12312312312326" },
            { ai: "10", value: "DEF" },
            { ai: "95", value: "INT" },
          ],
          other: [{ name: "linkType", value: "gs1:pip" }],
        }),
      ).to.equal("https://example.com/253/9526064000028000001?01=12312312312326&10=DEF&95=INT&99=000001&linkType=gs1%3Apip");
    });

    it("drops a trailing slash of the base and writes a GTIN-13 with 14 digits", function () {
      expect(buildDigitalLink("https://example.com/", { primary: GTIN })).to.equal("https://example.com/01/12312312312326");
      expect(buildDigitalLink("https://example.com/shop/", { primary: { ai: "01", value: "9520123456788" } })).to.equal(
        "https://example.com/shop/01/09520123456788",
      );
    });

    it("refuses an AI that may not be a data attribute", function () {
      const error = buildError("https://example.com", { primary: GTIN, attributes: [{ ai: "8200", value: "http://example.com" }] });
      expect(error.field).to.equal("8200");
      expect(error.message).to.include("data attribute");
    });

    it("refuses qualifiers from two of the key's sequences", function () {
      const error = buildError("https://example.com", {
        primary: GTIN,
        qualifiers: [
          { ai: "235", value: "TPX9526064" },
          { ai: "22", value: "ABC" },
        ],
      });
      expect(error.message).to.include("together");
    });

    it("refuses a primary key that is not one, an invalid value and a base that is not an http(s) URL", function () {
      expect(buildError("https://example.com", { primary: { ai: "10", value: "ABC" } }).message).to.include("not a GS1 Digital Link primary key");
      expect(buildError("https://example.com", { primary: { ai: "01", value: "12312312312327" } }).message).to.include("check digit");
      expect(buildError("https://example.com", { primary: GTIN, qualifiers: [{ ai: "21", value: "A".repeat(21) }] }).field).to.equal("21");
      expect(buildError("ftp://example.com", { primary: GTIN }).field).to.equal("uri");
      expect(buildError("https://example.com/?x=1", { primary: GTIN }).field).to.equal("uri");
      expect(buildError("https://example.com", { primary: GTIN, other: [{ name: "17", value: "261231" }] }).field).to.equal("query");
    });
  });

  describe("the AI dictionary (GS1 syntax dictionary, vendored in server/domain/data)", function () {
    it("names its source, commit and licence in the vendored file", function () {
      const text = readFileSync(path.join(__dirname, "..", "..", "server", "domain", "data", "gs1-syntax-dictionary.txt"), "utf8");
      expect(text).to.include(DICTIONARY_SOURCE.commit);
      expect(text).to.include("github.com/gs1/gs1-syntax-dictionary");
      expect(text).to.include("Apache License");
      expect(text).to.include(`# Release: ${DICTIONARY_SOURCE.release}`);
    });

    it("knows the Digital Link primary keys and their key-qualifier sequences", function () {
      expect(primaryKeys()).to.deep.equal(["00", "01", "253", "255", "401", "402", "414", "415", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"]);
      const sequences = (ai: string) => aiDefinition(ai)?.qualifierSequences;
      expect(sequences("01")).to.deep.equal([["22", "10", "21"], ["235"]]);
      expect(sequences("414")).to.deep.equal([["254"], ["7040"]]);
      expect(sequences("8006")).to.deep.equal([["22", "10", "21"]]);
      expect(sequences("8010")).to.deep.equal([["8011"]]);
      expect(sequences("8018")).to.deep.equal([["8019"]]);
      expect(sequences("00")).to.deep.equal([[]]);
      expect(sequences("10")).to.deep.equal([]);
    });

    it("gives each AI's format, title and character set", function () {
      const gtin = aiDefinition("01");
      expect(gtin).to.include({ title: "GTIN", numeric: true, fixedLength: true, maxLength: 14, checkDigit: "mod10", primaryKey: true, dataAttribute: true });
      const serial = aiDefinition("21");
      expect(serial).to.include({ title: "SERIAL", numeric: false, fixedLength: false, minLength: 1, maxLength: 20, primaryKey: false, dataAttribute: false });
      expect(serial?.characterSets).to.deep.equal(["82"]);
      expect(aiDefinition("8010")?.characterSets).to.deep.equal(["39"]);
      expect(aiDefinition("8030")?.characterSets).to.deep.equal(["64"]);
      expect(aiDefinition("253")).to.include({ minLength: 13, maxLength: 30, format: "N13,csum,gcppos1 [X..17]" });
      expect(aiDefinition("8013")?.checkDigit).to.equal("alpha-pair");
      expect(aiDefinition("3103")?.title).to.equal("NET WEIGHT (kg)");
      expect(aiDefinition("3106")).to.equal(undefined);
      expect(aiDefinition("89")).to.equal(undefined);
    });

    it("lists the data attributes a key may carry on its own", function () {
      const forGtin = dataAttributesFor("01");
      expect(forGtin).to.include.members(["11", "13", "15", "17", "3103", "240", "99"]);
      expect(forGtin).to.not.include.members(["01", "10", "21", "22", "37", "4300"]);
      const forSscc = dataAttributesFor("00");
      expect(forSscc).to.include.members(["3300", "4300", "403"]);
      expect(forSscc).to.not.include("17");
    });

    it("checks GMN check character pairs as GS1's linter does (gs1/gs1-syntax-dictionary src/lint_csumalpha.c)", function () {
      for (const gmn of ["1987654Ad4X4bL5ttr2310c2K", "12345678901234567890123NT", "12345_ABCDEFGHIJKLMCP", "7907665Bm8v2AB", "0881063PhHvY89", "00000!HV"]) {
        expect(validateAiValue("8013", gmn), gmn).to.equal(undefined);
      }
      for (const gmn of ["1987654Ad4X4bL5ttr2310cXK", "1987654Ad4X4bL5ttr2310c2X", "12345678901234567890123 T"]) {
        expect(validateAiValue("8013", gmn), gmn).to.be.a("string");
      }
    });

    it("checks dates, with day 00 only where the format allows it", function () {
      expect(validateAiValue("17", "261200")).to.equal(undefined); // yymmd0: no day
      expect(validateAiValue("17", "240229")).to.equal(undefined); // leap year
      expect(validateAiValue("17", "250229")).to.include("day");
      expect(validateAiValue("7006", "261200")).to.include("day"); // yymmdd
      expect(validateAiValue("17", "261301")).to.include("month");
    });
  });
});
