/**
 * import harvest|shipment FILE: a CSV of many rows through the gateway's import API.
 *
 * The file is uploaded and every row validated before anything is recorded; the report names
 * each bad row's line and column. With bad rows nothing is recorded unless --good-only says to
 * record the others. Recording runs inside the gateway; the CLI follows it with a progress bar
 * on stderr. The gateway answers a second upload of the same file with the same import, so
 * after Ctrl-C, a kill, or a lost connection the same command picks it up again, and no row
 * is recorded twice.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Command, type CommandContext, type Outcome } from "./command";
import { CliFailure, EXIT, Interrupted, UsageError } from "./failures";
import { apiKey, KEY_OPTION, KEY_USAGE } from "./credentials";
import { ProgressBar } from "./progress";

/** The gateway's limit on an upload; checked here too, so a huge file is not sent to be refused. */
/** The gateway's default CSV_MAX_MB (10); a gateway set otherwise answers 413 with its own limit. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

type ImportKind = "harvest" | "shipment";

interface Problem {
  line: number;
  field: string;
  code?: string;
  message: string;
  /** The same in Chinese. */
  zh?: string;
}

/** The import as POST /api/v1/imports and GET /api/v1/imports/{id} answer it. */
interface ImportView {
  importId: string;
  kind: ImportKind;
  fileName?: string;
  status: string;
  totalRows: number;
  badRows: number;
  recorded?: number;
  /** Good rows the gateway refused when it came to record them (the batch changed since). */
  failed?: number;
  goodOnly?: boolean;
  problems: Problem[];
}

const COLUMNS: Record<ImportKind, string> = {
  harvest:
    "产品名称(product) 品种(variety) 商品条码(gtin) 批次号(lot) 县区代码(countyCode) 县区名称(county) 乡镇村(village) 基地(base) " +
    "数量(quantity) 单位(unit) 每件重量(unitWeightKg) 计件单位(countedUnit) 采收时间(harvestedAt) 备注(notes)",
  shipment:
    "商品条码(gtin) 批次号(lot) 收货方(consignee) 数量(quantity) 单位(unit) 发出地(from) 目的地(to) 车辆(vehicle) " +
    "最低温度(minTemperature) 最高温度(maxTemperature) 发运时间(shippedAt) 备注(notes)",
};

const KIND_NOTES: Record<ImportKind, string> = {
  harvest: `县区名称 may be left empty: the name comes from the code (one given must agree).
                       每件重量 (kg) with 计件单位 (箱, 件, 筐, 袋) states one counted unit's weight.`,
  shipment: `收货方: the receiving organisation's exact name on the gateway, its id or its address.
                       数量 and 单位: how much; empty ships all the holder (the key's organisation) holds.`,
};

export const importHarvest = importCommand("harvest", "producer");
export const importShipment = importCommand("shipment", "by each batch's holder, a carrier once it has received it");

function importCommand(kind: ImportKind, role: string): Command {
  return {
    words: ["import", kind],
    summary: `record ${kind}s from a CSV file (${role}); resumes where an interrupted run stopped`,
    usage: `import ${kind} FILE --key API_KEY [--good-only]
  FILE                 a CSV file, UTF-8, with a header row; its columns (Chinese or English):
                       ${COLUMNS[kind]}
                       ${KIND_NOTES[kind]}
                       dates as "2026-06-01" (a day in China), times as "2026-06-01 08:00" (China
                       Standard Time), or ISO 8601 with an offset
                       each good row is checked by the ledger's rules as the API checks it: a row
                       they refuse is a bad row, with the API's words
  --good-only          when some rows are bad, record the others (without it nothing is recorded)
${KEY_USAGE}
  every row is checked before any is recorded; exit 1 when rows are bad and --good-only is absent.
  Interrupted? Run the same command again: it carries on, and records no row twice.`,
    options: { "good-only": { type: "boolean" }, ...KEY_OPTION },
    positionals: { min: 1, max: 1 },
    run: (context) => runImport(context, kind),
  };
}

async function runImport(context: CommandContext, kind: ImportKind): Promise<Outcome> {
  const { gateway, terminal, signal } = context;
  const key = apiKey(context);
  const file = context.args[0];
  const data = readCsv(file);
  const goodOnly = context.values["good-only"] === true;

  const upload = await gateway.call<ImportView>("POST", `/api/v1/imports?kind=${kind}`, {
    token: key,
    raw: { data, contentType: "text/csv; charset=utf-8" },
    // Header values must be ASCII; the gateway decodes the percent-encoding.
    headers: { "x-file-name": encodeURIComponent(path.basename(file)) },
    signal,
  });
  let view = upload.body;
  const report = validationReport(view, file);
  if (upload.status === 200) terminal.stderr(`${file} was uploaded before: import ${view.importId}, ${view.status}\n`);

  if (view.status === "validated" && view.badRows > 0 && !goodOnly) {
    return {
      exitCode: EXIT.refused,
      json: view,
      text: report,
      error:
        `${view.badRows} of ${rows(view.totalRows, "row")} ${view.badRows === 1 ? "is" : "are"} bad, so nothing was recorded. ` +
        `Correct them and import the file again, or add --good-only to record the ${rows(view.totalRows - view.badRows, "good row")}.`,
    };
  }
  if (!context.values.json) terminal.stdout(`${report}\n`);
  const { importId } = view;
  try {
    if (view.status === "done") {
      view = await fetchImport(context, key, importId);
    } else {
      // An import already running keeps the choice it was started with.
      const started = view.status === "validated" ? goodOnly : (await fetchImport(context, key, importId)).goodOnly === true;
      await gateway.call("POST", `/api/v1/imports/${importId}/run`, { token: key, json: { goodOnly: started }, signal });
      view = await follow(context, key, importId);
    }
  } catch (error) {
    throw whileRecording(error, importId, signal);
  }
  const skipped = view.badRows > 0 ? `; ${rows(view.badRows, "bad row")} skipped` : "";
  const recorded = view.recorded ?? 0;
  const onwards = recorded > 0 ? "; they go on to the chain now" : "";
  const summary = `import ${importId} done: ${recorded} of ${rows(view.totalRows, "row")} recorded${skipped}${onwards}`;
  const failed = view.failed ?? 0;
  if (failed === 0) return { exitCode: EXIT.done, json: view, text: summary };
  // Problems the upload did not report arose while recording; a re-upload already listed them.
  const reported = new Set(upload.body.problems.map((p) => `${p.line}\n${p.field}`));
  const arisen = view.problems.filter((p) => !reported.has(`${p.line}\n${p.field}`));
  return {
    exitCode: EXIT.refused,
    json: view,
    text: [summary, ...arisen.map(problemLine)].join("\n"),
    error: `${rows(failed, "row")} could not be recorded: the batch changed after the file was checked${arisen.length ? " (listed above)" : " (see the report)"}`,
  };
}

function readCsv(file: string): Buffer {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) {
      throw new UsageError(`${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, the gateway's default limit (CSV_MAX_MB): split it`);
    }
    return readFileSync(file);
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The validation report: how many rows, and each bad row's line, column and problem. */
function validationReport(view: ImportView, file: string): string {
  const lines = [`${file}: ${rows(view.totalRows, "row")}, ${view.badRows} bad (import ${view.importId})`];
  for (const p of [...view.problems].sort((a, b) => a.line - b.line)) lines.push(problemLine(p));
  return lines.join("\n");
}

function problemLine(p: Problem): string {
  return `  line ${p.line}, ${p.field}: ${p.message}${p.zh && p.zh !== p.message ? `\n    ${p.zh}` : ""}`;
}

/** Polls the import until the gateway has recorded every row it will, drawing the progress. */
async function follow(context: CommandContext, key: string, importId: string): Promise<ImportView> {
  const bar = new ProgressBar((text) => context.terminal.stderr(text), context.terminal.stderrIsTty);
  try {
    for (;;) {
      const view = await fetchImport(context, key, importId);
      // Only the good rows are recorded; a row refused while recording is settled too.
      bar.update(view.recorded ?? 0, view.totalRows - view.badRows, view.failed ?? 0);
      if (view.status === "done") return view;
      if (view.status !== "importing") throw new CliFailure(EXIT.refused, `import ${importId} stopped as ${view.status}`, view);
      await sleep(context.pollIntervalMs, undefined, { signal: context.signal });
    }
  } finally {
    bar.end();
  }
}

function fetchImport(context: CommandContext, key: string, importId: string): Promise<ImportView> {
  return context.gateway.call<ImportView>("GET", `/api/v1/imports/${importId}`, { token: key, signal: context.signal }).then((a) => a.body);
}

/**
 * Once the file is uploaded, the gateway keeps the import and records it without the CLI: an
 * interruption or a lost connection says so, and how to carry on.
 */
function whileRecording(error: unknown, importId: string, signal: AbortSignal): unknown {
  const again = `the gateway keeps import ${importId} and goes on recording it; run the same command again to carry on (no row is recorded twice)`;
  if (signal.aborted || error instanceof Interrupted) return new CliFailure(EXIT.interrupted, `interrupted: ${again}`);
  if (error instanceof CliFailure && error.exitCode === EXIT.unreachable) return new CliFailure(EXIT.unreachable, `${error.message}\n${again}`);
  return error;
}

function rows(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
