/**
 * What can be wrong with a CSV import, as codes with their words in Chinese and English. A row's
 * problem names its column as the file's header wrote it; the API shows both languages, the
 * console the user's language. A row the ledger's rules refuse (code "refused") carries the
 * rules' own words, the very ones the API answers for the same write. A problem with the file
 * as a whole (CsvFileError) refuses the upload: nothing is stored.
 */
import { DomainError } from "../domain/errors";
import type { Lang } from "../html/i18n";

type Arg = string | number | undefined;
type Text = (arg: Arg) => string;

const ROW_TEXTS = {
  en: {
    required: () => "is required",
    too_long: (n) => `must be at most ${n} characters`,
    not_a_number: () => "must be a number",
    not_positive: () => "must be more than 0",
    at_least: (n) => `must be at least ${n}`,
    at_most: (n) => `must be at most ${n}`,
    not_a_time: () => "must be a date such as 2026-07-15 or a date and time such as 2026-07-15 08:00 (China time), or ISO 8601 with an offset",
    bad_gtin: () => "must be a GTIN-8, -12, -13 or -14 with a correct check digit",
    gtin_as_number: () => "was shortened by Excel into a number such as 6.90123E+12: format the column as text and type the code again",
    bad_lot: () => "must be 1 to 20 letters, digits or GS1 symbols",
    bad_county_code: () => "must be a 6-digit GB/T 2260 code",
    unknown_county: () => "is not a county code of GB/T 2260",
    not_in_list: (list) => `must be one of: ${list}`,
    min_over_max: () => "must not be above the highest temperature",
    needs_other: (other) => `is needed when ${other} is given`,
    duplicate: (line) => `names the same batch as line ${line}`,
    batch_exists: () => "a batch with this GTIN and lot exists already",
    unknown_batch: () => "no batch with this GTIN and lot is recorded",
    recalled: () => "the batch is recalled: no further events are accepted",
    extra_cell: () => "has a value but its column has no name",
    unknown_org: (name) => `no organisation of this gateway is named “${name}”: write its exact name, its id or its address`,
    ambiguous_org: (name) => `several organisations are named “${name}”: write its id or address instead`,
    refused: (message) => `${message}`,
    not_recorded: (message) => `could not be recorded: ${message}`,
    invalid: (message) => `${message}`,
  },
  zh: {
    required: () => "必填",
    too_long: (n) => `不能超过 ${n} 个字`,
    not_a_number: () => "必须是数字",
    not_positive: () => "必须大于 0",
    at_least: (n) => `不能小于 ${n}`,
    at_most: (n) => `不能大于 ${n}`,
    not_a_time: () => "请写成 2026-07-15 这样的日期，或 2026-07-15 08:00 这样的日期时间（北京时间）",
    bad_gtin: () => "商品条码位数或校验位不对",
    gtin_as_number: () => "商品条码被 Excel 改成了 6.90123E+12 这样的数字：请把这一列设为“文本”格式后重新填写",
    bad_lot: () => "批次号须为 1–20 个字母、数字或 GS1 允许的符号",
    bad_county_code: () => "须为 6 位行政区划代码（GB/T 2260）",
    unknown_county: () => "没有这个县区代码",
    not_in_list: (list) => `须为以下之一：${list}`,
    min_over_max: () => "最低温度不能高于最高温度",
    needs_other: (other) => `填写了“${other}”时这一项也要填写`,
    duplicate: (line) => `与第 ${line} 行是同一批次`,
    batch_exists: () => "这个批次（商品条码 + 批次号）已经登记过",
    unknown_batch: () => "还没有这个批次（商品条码 + 批次号）的记录",
    recalled: () => "这个批次已被召回，不能再记录",
    extra_cell: () => "这一格有内容，但所在的列没有列名",
    unknown_org: (name) => `没有名为“${name}”的机构：请填写机构的完整名称、编号或地址`,
    ambiguous_org: (name) => `有多个机构名为“${name}”：请改填机构编号或地址`,
    refused: (message) => `${message}`,
    not_recorded: (message) => `未能记录：${message}`,
    invalid: (message) => `格式不对（${message}）`,
  },
} satisfies Record<Lang, Record<string, Text>>;

const FILE_TEXTS = {
  en: {
    empty_file: () => "is empty",
    not_text: () => "is not a CSV text file (save it from Excel as “CSV UTF-8”)",
    bad_csv: (line) => `is not valid CSV: a quote is not closed or misplaced near line ${line}`,
    no_rows: () => "has no data rows under the header row",
    missing_column: () => "is a required column missing from the header row",
    unknown_column: (list) => `is not a column of this kind of import (the columns are: ${list})`,
    repeated_column: () => "appears twice in the header row",
    unnamed_column: () => "has no name in the header row",
    too_many_rows: (n) => `has more than ${n} data rows: split it into files of at most ${n} rows`,
    too_large: (mb) => `is larger than ${mb} MB: split it into smaller files`,
  },
  zh: {
    empty_file: () => "文件是空的",
    not_text: () => "不是 CSV 文本文件（请在 Excel 中“另存为”“CSV UTF-8”）",
    bad_csv: (line) => `CSV 格式有误：第 ${line} 行附近的引号不成对`,
    no_rows: () => "列名行下面没有数据",
    missing_column: () => "第一行缺少这一列",
    unknown_column: (list) => `不是这类导入的列名（可用的列：${list}）`,
    repeated_column: () => "在第一行出现了两次",
    unnamed_column: () => "第一行里这一列没有列名",
    too_many_rows: (n) => `数据超过 ${n} 行：请分成每个不超过 ${n} 行的几个文件`,
    too_large: (mb) => `文件超过 ${mb} MB：请分成几个较小的文件`,
  },
} satisfies Record<Lang, Record<string, Text>>;

export type RowProblemCode = keyof (typeof ROW_TEXTS)["en"];
export type FileProblemCode = keyof (typeof FILE_TEXTS)["en"];

/** A problem with one cell of a row (or the row as a whole, named by its key column). */
export interface CellProblem {
  /** The column's name as the file's header wrote it. */
  field: string;
  code: RowProblemCode;
  arg?: string | number;
  /** A refusal's Chinese words, as the rules wrote them (code "refused"; arg holds the English). */
  zh?: string;
}

/** A row's problem as the import keeps it: with its English words, which the API shows. */
export interface StoredProblem extends CellProblem {
  message: string;
}

export function rowProblemText(problem: CellProblem, lang: Lang): string {
  if (lang === "zh" && problem.zh) return problem.zh;
  return (ROW_TEXTS[lang][problem.code] as Text)(problem.arg);
}

export function stored(problem: CellProblem): StoredProblem {
  return { ...problem, message: rowProblemText(problem, "en") };
}

/** The upload is refused as a whole (400), naming the field: file, or a column of the header. */
export class CsvFileError extends DomainError {
  constructor(
    readonly field: string,
    readonly problem: FileProblemCode,
    readonly arg?: string | number,
  ) {
    const message = (FILE_TEXTS.en[problem] as Text)(arg);
    super("invalid_request", `invalid ${field}: ${message}`, [{ field, message }]);
    this.name = "CsvFileError";
  }

  text(lang: Lang): string {
    return (FILE_TEXTS[lang][this.problem] as Text)(this.arg);
  }
}

/**
 * A row's write refused by the ledger's rules (when the file is checked, or when it is recorded
 * and the ledger moved on since), as a problem of the column the refused field came from, in the
 * rules' own words. `columnOf` names the column of a request field; without it (the import
 * runner, which no longer knows the file's header) every refusal is the lot column's.
 */
export function refusalProblem(error: DomainError, lotColumn: string, columnOf: (field: string) => string | undefined = () => undefined): CellProblem {
  const problem = error.fields[0];
  const field = problem?.field ?? "batchId";
  const column = columnOf(field) ?? lotColumn;
  // The API names the batch by its hex id, which no one wrote in the file: say GTIN and lot.
  if (error.code === "not_found" && field === "batchId") return { field: column, code: "unknown_batch" };
  const message = problem?.message ?? error.message;
  return { field: column, code: "refused", arg: message, zh: problem?.zh ?? chineseOf(error.code, field) ?? message };
}

/** Chinese for the few refusals the planner words in English only. */
function chineseOf(code: DomainError["code"], field: string): string | undefined {
  if (code === "conflict" && field === "batchId") return "这个批次已被召回：除更正外不能再登记";
  if (code === "not_found" && field.endsWith("consignee")) return "没有这个机构（收货方）";
  if (field.endsWith("conversion.unit")) return "计件单位须为这个批次自己的单位";
  return undefined;
}
