import { expect } from "chai";
import { CREDIT_CODE_CHARSET, creditCodeCheckChar, isCreditCode, parseCreditCode } from "../../server/domain/credit-code";

describe("统一社会信用代码 (GB 32100-2015)", () => {
  it("computes the check character by the standard's weights, mod 31", () => {
    // The standard's own worked example.
    expect(creditCodeCheckChar("91350100M000100Y4")).to.equal("3");
    // By hand: Σ value×weight over 91440300055082262 = 872; 872 mod 31 = 4; 31 − 4 = 27 → "U".
    expect(weighted("91440300055082262")).to.equal(872);
    expect(creditCodeCheckChar("91440300055082262")).to.equal("U");
  });

  it("accepts real-format codes of each kind, and lower case as the same code", () => {
    for (const first17 of ["91350100M000100Y4", "93451003MA5K3XYW1", "12100000400000624", "52440300MJL1234AB"]) {
      const code = first17 + creditCodeCheckChar(first17);
      expect(isCreditCode(code), code).to.equal(true);
      expect(parseCreditCode(` ${code.toLowerCase()} `)).to.deep.equal({ code });
    }
  });

  it("refuses a changed character, swapped neighbours, a wrong length and letters outside the charset, saying why", () => {
    const valid = "91350100M000100Y43";
    expect(isCreditCode("91350100M000100Y44")).to.equal(false);
    expect(isCreditCode("91350100M000100Y53")).to.equal(false);
    expect(isCreditCode("19350100M000100Y43")).to.equal(false); // neighbours swapped
    expect(parseCreditCode(valid.slice(0, 17))).to.include({ message: "must be 18 characters" });
    expect(parseCreditCode("91350100M000100I43")).to.have.property("zh").that.contains("不含 I、O、Z、S、V");
    expect(parseCreditCode("91350100M000100Y44")).to.have.property("zh").that.contains("校验位");
  });

  it("is the only code a wrong check character could be (every other last character is refused)", () => {
    const first17 = "91440300MA5FT2AB1";
    const right = creditCodeCheckChar(first17);
    const accepted = [...CREDIT_CODE_CHARSET].filter((c) => isCreditCode(first17 + c));
    expect(accepted).to.deep.equal([right]);
  });
});

function weighted(first17: string): number {
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  return [...first17].reduce((sum, c, i) => sum + CREDIT_CODE_CHARSET.indexOf(c) * weights[i], 0);
}
