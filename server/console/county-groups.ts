/**
 * Counties grouped by prefecture, as GB/T 2260 codes group them: the first four digits of a
 * county's code name its prefecture (4510xx: 百色市). A municipality's counties (1101xx) and a
 * province's directly administered ones (4190xx) have no prefecture of their own and are listed
 * under the province; a prefecture-level city without counties (441900 东莞市) under its own name.
 */
import { anyCountyByCode } from "../domain/divisions";

export interface PrefectureGroup<T> {
  /** The code's first four digits. */
  code: string;
  name: string;
  members: T[];
}

/** The items grouped by prefecture, groups by code, items in the order given within each. */
export function groupByPrefecture<T>(items: readonly T[], codeOf: (item: T) => string): Array<PrefectureGroup<T>> {
  const groups = new Map<string, PrefectureGroup<T>>();
  for (const item of items) {
    const code = codeOf(item);
    const key = code.slice(0, 4);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { code: key, name: prefectureName(code), members: [] }));
    group.members.push(item);
  }
  return [...groups.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** The name a county's group goes by: its prefecture, else its province (else its own name, else the digits). */
export function prefectureName(code: string): string {
  const county = anyCountyByCode(code);
  if (!county) return code.slice(0, 4);
  if (county.prefecture) return county.prefecture;
  return code.endsWith("00") ? county.name : county.province || county.name;
}
