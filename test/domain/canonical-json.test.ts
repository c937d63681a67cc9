import { expect } from "chai";
import { keccak256 } from "ethers";
import { canonicalize, CanonicalJsonError } from "../../server/domain/canonical-json";
import { hashDetail } from "../../server/domain/hashes";

/** The IEEE-754 double whose big-endian bit pattern is `bits` (16 hex digits). */
function doubleFromHex(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

/** The CanonicalJsonError that canonicalising `value` throws; fails the test when nothing is thrown. */
function refusal(value: unknown): CanonicalJsonError {
  try {
    canonicalize(value);
  } catch (error) {
    expect(error).to.be.instanceOf(CanonicalJsonError);
    return error as CanonicalJsonError;
  }
  return expect.fail(`canonicalize accepted ${String(value)}`);
}

/** The UTF-8 bytes of a text as hex, 0x-prefixed (Buffer's encoder, not the module's). */
function utf8Hex(text: string): string {
  return `0x${Buffer.from(text, "utf8").toString("hex")}`;
}

// RFC 8785 section 3.2.2: the input as JSON text, and its canonical form (section 3.2.3) and
// UTF-8 bytes (section 3.2.4).
const RFC_INPUT = String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`;
const RFC_OUTPUT =
  String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],` +
  String.raw`"string":"€$\u000f\nA'B\"\\\\\"/"}`;
const RFC_OUTPUT_UTF8 =
  "0x7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a" +
  "5b3333333333333333332e333333333333332c31652b33302c342e352c302e3030322c31652d3237" +
  "5d2c22737472696e67223a22e282ac245c75303030665c6e4127425c225c5c5c5c5c222f227d";

// RFC 8785 section 3.2.3: property names sorted by their UTF-16 code units.
const RFC_SORTING_INPUT = String.raw`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`;
const RFC_SORTING_OUTPUT =
  '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
  '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';

// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text (NaN and Infinity are refused).
const APPENDIX_B: readonly [bits: string, json: string][] = [
  ["0000000000000000", "0"],
  ["8000000000000000", "0"],
  ["0000000000000001", "5e-324"],
  ["8000000000000001", "-5e-324"],
  ["7fefffffffffffff", "1.7976931348623157e+308"],
  ["ffefffffffffffff", "-1.7976931348623157e+308"],
  ["4340000000000000", "9007199254740992"],
  ["c340000000000000", "-9007199254740992"],
  ["4430000000000000", "295147905179352830000"],
  ["44b52d02c7e14af5", "9.999999999999997e+22"],
  ["44b52d02c7e14af6", "1e+23"],
  ["44b52d02c7e14af7", "1.0000000000000001e+23"],
  ["444b1ae4d6e2ef4e", "999999999999999700000"],
  ["444b1ae4d6e2ef4f", "999999999999999900000"],
  ["444b1ae4d6e2ef50", "1e+21"],
  ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
  ["3eb0c6f7a0b5ed8d", "0.000001"],
  ["41b3de4355555553", "333333333.3333332"],
  ["41b3de4355555554", "333333333.33333325"],
  ["41b3de4355555555", "333333333.3333333"],
  ["41b3de4355555556", "333333333.3333334"],
  ["41b3de4355555557", "333333333.33333343"],
  ["becbf647612f3696", "-0.0000033333333333333333"],
  ["43143ff3c1cb0959", "1424953923781206.2"],
];

const NOT_JSON_NUMBERS: readonly [name: string, bits: string][] = [
  ["NaN", "7fffffffffffffff"],
  ["Infinity", "7ff0000000000000"],
  ["-Infinity", "fff0000000000000"],
];

/** A harvest detail as the gateway would hash it. */
const HARVEST_DETAIL = {
  variety: "台农一号",
  orchard: { county: "田阳区", plot: 17 },
  weightKg: 1250.5,
  grades: ["A", "B"],
  organic: true,
};

describe("canonical-json", function () {
  describe("canonicalize: RFC 8785 examples", function () {
    it("writes the section 3.2.2 example as section 3.2.3 gives it", function () {
      expect(canonicalize(JSON.parse(RFC_INPUT))).to.equal(RFC_OUTPUT);
    });

    it("writes the section 3.2.2 example as the UTF-8 bytes of section 3.2.4", function () {
      expect(utf8Hex(canonicalize(JSON.parse(RFC_INPUT)))).to.equal(RFC_OUTPUT_UTF8);
    });

    it("leaves canonical text unchanged", function () {
      expect(canonicalize(JSON.parse(RFC_OUTPUT))).to.equal(RFC_OUTPUT);
      expect(canonicalize(JSON.parse(RFC_SORTING_OUTPUT))).to.equal(RFC_SORTING_OUTPUT);
    });

    it("sorts the section 3.2.3 property names by UTF-16 code units", function () {
      expect(canonicalize(JSON.parse(RFC_SORTING_INPUT))).to.equal(RFC_SORTING_OUTPUT);
    });

    it("sorts nested objects, keeps array order and ignores locale", function () {
      const value = JSON.parse(
        '{"1":{"f":{"f":"hi","F":5},"\\n":56},"10":{},"":"empty","a":{},"111":[{"e":"yes","E":"no"}],"A":{}}',
      );
      expect(canonicalize(value)).to.equal(
        '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}',
      );
      expect(canonicalize({ sin: 4, pêche: 3, péché: 2, peach: 1 })).to.equal(
        '{"peach":1,"péché":2,"pêche":3,"sin":4}',
      );
      expect(canonicalize([3, [2, 1], { b: [1, 0], a: null }])).to.equal('[3,[2,1],{"a":null,"b":[1,0]}]');
    });

    it("accepts objects without a prototype", function () {
      const value = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
      expect(canonicalize(value)).to.equal('{"a":2,"b":1}');
    });
  });

  describe("canonicalize: strings", function () {
    it("escapes control characters, quote and backslash with JSON's short forms where they exist", function () {
      expect(canonicalize('\b\t\n\f\r"\\')).to.equal(String.raw`"\b\t\n\f\r\"\\"`);
    });

    it("escapes the other control characters as lower-case \\u00xx", function () {
      expect(canonicalize("\u0000\u0001\u000b\u000e\u001a\u001f")).to.equal(
        String.raw`"\u0000\u0001\u000b\u000e\u001a\u001f"`,
      );
    });

    it("writes everything else as itself, including /, DEL, U+2028 and astral characters", function () {
      const text = "/\u007f\u0080\u2028\u2029圳品\ud83e\udd6d";
      expect(canonicalize(text)).to.equal(`"${text}"`);
    });
  });

  describe("canonicalize: numbers (RFC 8785 Appendix B)", function () {
    for (const [bits, json] of APPENDIX_B) {
      it(`writes ${bits} as ${json}`, function () {
        expect(canonicalize(doubleFromHex(bits))).to.equal(json);
      });
    }

    it("writes minus zero as 0 (the bit pattern really is -0)", function () {
      const minusZero = doubleFromHex("8000000000000000");
      expect(Object.is(minusZero, -0)).to.equal(true);
      expect(canonicalize({ z: minusZero })).to.equal('{"z":0}');
    });
  });

  describe("canonicalize: refusals", function () {
    for (const [name, bits] of NOT_JSON_NUMBERS) {
      it(`throws when a number is ${name} (${bits})`, function () {
        expect(refusal(doubleFromHex(bits)).path).to.equal("");
        expect(refusal({ numbers: [1, doubleFromHex(bits)] }).path).to.equal(".numbers[1]");
      });
    }

    for (const [what, text] of [
      ["a lone high surrogate", "\ud800"],
      ["a lone low surrogate", "\udfff"],
      ["a high surrogate at the end", "mango\ud83e"],
      ["a surrogate pair in the wrong order", "\ude00\ud83d"],
    ]) {
      it(`throws when a string holds ${what}`, function () {
        expect(refusal(text).message).to.contain("lone surrogate");
        expect(refusal({ lots: [{ note: text }] }).path).to.equal(".lots[0].note");
      });

      it(`throws when a property name holds ${what}`, function () {
        expect(refusal({ [text]: 1 }).message).to.contain("property name");
        expect(refusal({ orchard: { [text]: 1 } }).path).to.equal(".orchard");
      });
    }

    class Crate {
      constructor(readonly weightKg: number) {}
    }
    for (const [what, value] of [
      ["undefined", undefined],
      ["a function", () => 1],
      ["a bigint", 12n],
      ["a symbol", Symbol("lot")],
      ["a Date", new Date(0)],
      ["a Map", new Map([["a", 1]])],
      ["a boxed number", Object(1)],
      ["a class instance", new Crate(12)],
    ] as const) {
      it(`throws when a value is ${what}`, function () {
        expect(refusal(value).path).to.equal("");
        expect(refusal({ shipment: { crates: [1, value] } }).path).to.equal(".shipment.crates[1]");
      });
    }

    it("throws when an array has a hole, where JSON.stringify would write null", function () {
      // eslint-disable-next-line no-sparse-arrays
      expect(refusal({ crates: [1, , 3] }).path).to.equal(".crates[1]");
      expect(refusal(new Array(2)).message).to.contain("hole");
    });

    it("throws when a value contains itself", function () {
      const looped: Record<string, unknown> = { lot: "A1" };
      looped.self = { inner: looped };
      expect(refusal(looped).path).to.equal(".self.inner");
    });

    it("accepts the same object twice side by side (shared, not circular)", function () {
      const shared = { kg: 1 };
      expect(canonicalize({ a: shared, b: shared })).to.equal('{"a":{"kg":1},"b":{"kg":1}}');
    });
  });

  describe("canonicalize: undefined properties", function () {
    it("omits properties whose value is undefined, at any depth", function () {
      const value = { a: 1, b: undefined, c: { d: undefined, e: [{ f: undefined }] } };
      expect(canonicalize(value)).to.equal('{"a":1,"c":{"e":[{}]}}');
    });

    it("writes a value and its JSON round trip alike", function () {
      const value = {
        ...HARVEST_DETAIL,
        certifiedBy: undefined,
        orchard: { ...HARVEST_DETAIL.orchard, gps: undefined },
      };
      expect(canonicalize(value)).to.equal(canonicalize(JSON.parse(JSON.stringify(value))));
    });
  });

  describe("hashDetail", function () {
    it("is keccak256 of the UTF-8 canonical text", function () {
      const canonical = canonicalize(HARVEST_DETAIL);
      expect(canonical).to.contain("台农一号");
      expect(hashDetail(HARVEST_DETAIL)).to.equal(keccak256(utf8Hex(canonical)));
    });

    it("hashes the RFC 8785 example to keccak256 of the RFC's bytes", function () {
      expect(hashDetail(JSON.parse(RFC_INPUT))).to.equal(keccak256(RFC_OUTPUT_UTF8));
    });

    it("does not depend on key order, at any depth", function () {
      const reordered = {
        organic: true,
        grades: ["A", "B"],
        weightKg: 1250.5,
        orchard: { plot: 17, county: "田阳区" },
        variety: "台农一号",
      };
      expect(JSON.stringify(reordered)).not.to.equal(JSON.stringify(HARVEST_DETAIL));
      expect(hashDetail(reordered)).to.equal(hashDetail(HARVEST_DETAIL));
    });

    it("changes with any value, and with array order", function () {
      const hash = hashDetail(HARVEST_DETAIL);
      expect(hashDetail({ ...HARVEST_DETAIL, weightKg: 1250.25 })).not.to.equal(hash);
      expect(hashDetail({ ...HARVEST_DETAIL, grades: ["B", "A"] })).not.to.equal(hash);
    });

    it("throws when the detail is not JSON", function () {
      expect(() => hashDetail({ weightKg: NaN })).to.throw(CanonicalJsonError);
    });
  });
});
