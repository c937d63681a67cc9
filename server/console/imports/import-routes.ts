/**
 * CSV import in the console (/console/imports): download a template, upload the filled-in file,
 * read the report of its bad rows, choose to record all rows (or, when some are bad, accept
 * that only the good ones are), and watch the progress page, which reloads itself every 2 s
 * until every row is recorded. Uploading, starting and reporting go through ImportService,
 * exactly as the API does.
 */
import { readFile } from "node:fs/promises";
import express, { type Request, type Response, type Router } from "express";
import { IMPORT_KINDS, isImportKind, type ImportKind } from "../../csv/columns";
import { CsvFileError, rowProblemText } from "../../csv/problems";
import { templateCsv } from "../../csv/templates";
import { ROLES_FOR_KIND, roleMayRecord } from "../../domain/event-kinds";
import { DomainError } from "../../domain/errors";
import type { ImportReport } from "../../services/import-service";
import type { ImportRecord } from "../../store/import-repository";
import type { Org } from "../../store/org-repository";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime, type Lang } from "../../html/i18n";
import type { ConsoleDeps } from "../context";
import { errorSummary, field, form, ownKeyBanner, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, ConsoleForbidden, requireMember, type ConsoleRequest } from "../session";
import { formFiles } from "../uploads/multipart-form";

const M = messages({
  zh: {
    title: "CSV 批量导入",
    intro: "按模板用 Excel 填写，另存为“CSV UTF-8”后上传。上传后先逐行检查，你确认后才写入区块链。",
    templates: "下载模板：",
    template: { harvest: "采收模板", shipment: "发运模板" } as Record<string, string>,
    columnHints: {
      harvest: "采收：县区名称可不填（由县区代码得出，填写的须与代码一致）；“每件重量”（公斤）和“计件单位”可选，例如 5 和 箱，写明后可按箱销售或发运。日期可只写日期（2026-07-15）。",
      shipment: "发运：只能发运你的机构持有的批次（承运商先登记收货，接手批次）。“收货方”填收货机构在本系统中的完整名称（或机构编号、地址），由它登记收货；“数量”和“单位”留空表示发出所持有的全部。",
    } as Record<string, string>,
    upload: "上传文件",
    kind: "导入类型",
    kinds: { harvest: "采收", shipment: "发运" } as Record<string, string>,
    file: "CSV 文件",
    fileHint: (mb: number, rows: number) => `最大 ${mb} MB、${rows} 行；第一行是列名`,
    tooBig: (mb: number) => `文件超过 ${mb} MB：请分成几个较小的文件`,
    check: "上传并检查",
    chooseKind: "请选择导入类型",
    kindNotYours: "你的机构不能导入这一类记录",
    chooseFile: "请选择要上传的 CSV 文件",
    past: "导入记录",
    none: "还没有导入记录。",
    when: "上传时间",
    fileName: "文件",
    rows: "行数",
    state: "状态",
    status: { validated: "待确认", importing: "正在记录", done: "已完成" } as Record<string, string>,
    reportTitle: (name: string) => `导入：${name}`,
    sameFile: "这个文件之前上传过，下面是那一次的检查结果。",
    summary: (total: number, bad: number) => `共 ${total} 行，${bad} 行有问题。`,
    allGood: (total: number) => `共 ${total} 行，全部没有问题。`,
    badRows: "有问题的行",
    line: "行号",
    column: "列",
    problem: "问题",
    moreProblems: (n: number) => `另有 ${n} 个问题未列出。`,
    recordAll: (n: number) => `记录全部 ${n} 行`,
    acceptGood: (n: number) => `我同意只记录没有问题的 ${n} 行（有问题的行不会被记录）`,
    recordGood: (n: number) => `只记录 ${n} 行`,
    mustAccept: "有问题的行不会被记录：请先勾选同意。",
    nothingGood: "没有可以记录的行。请修改文件后重新上传。",
    fixAndUpload: "也可以先修改文件，再重新上传。",
    recording: "正在写入……",
    progress: (x: number, n: number) => `已记录 ${x} 行，共 ${n} 行`,
    refreshing: "本页每 2 秒自动刷新。",
    done: (x: number) => `导入完成：已记录 ${x} 行，正在写入区块链。`,
    failedRows: (n: number) => `${n} 行在记录时被拒绝（检查之后批次有了变化）：`,
    toBatches: "查看我的批次",
    backToImports: "返回导入记录",
  },
  en: {
    title: "CSV import",
    intro: "Fill in a template with Excel, save it as “CSV UTF-8” and upload it. Every row is checked first; nothing is written to the blockchain until you confirm.",
    templates: "Templates: ",
    template: { harvest: "harvest template", shipment: "shipment template" },
    columnHints: {
      harvest: "Harvests: the county's name may be left out (it comes from the code; a name given must agree); 每件重量 (kg) and 计件单位 are optional, e.g. 5 and 箱, so the batch can be sold or shipped by the box. A date alone (2026-07-15) is a day in China.",
      shipment: "Shipments: only batches your organisation holds can be shipped (a carrier takes a batch over by recording its receipt first). 收货方 is the receiving organisation's exact name here (or its id or address); it records the receipt. Leave 数量 and 单位 empty to ship all you hold.",
    },
    upload: "Upload a file",
    kind: "What the rows record",
    kinds: { harvest: "Harvests", shipment: "Shipments" },
    file: "CSV file",
    fileHint: (mb: number, rows: number) => `At most ${mb} MB and ${rows} rows; the first line names the columns`,
    tooBig: (mb: number) => `The file is larger than ${mb} MB: split it into smaller files`,
    check: "Upload and check",
    chooseKind: "Choose what the rows record",
    kindNotYours: "Your organisation may not import these records",
    chooseFile: "Choose the CSV file to upload",
    past: "Imports",
    none: "No imports yet.",
    when: "Uploaded",
    fileName: "File",
    rows: "Rows",
    state: "Status",
    status: { validated: "waiting for you", importing: "recording", done: "done" },
    reportTitle: (name: string) => `Import: ${name}`,
    sameFile: "This file was uploaded before: here is what its check found then.",
    summary: (total: number, bad: number) => `${total} rows, ${bad} with problems.`,
    allGood: (total: number) => `${total} rows, none with problems.`,
    badRows: "Rows with problems",
    line: "Line",
    column: "Column",
    problem: "Problem",
    moreProblems: (n: number) => `${n} more problems are not listed.`,
    recordAll: (n: number) => `Record all ${n} rows`,
    acceptGood: (n: number) => `I accept recording only the ${n} good rows (the rows with problems are not recorded)`,
    recordGood: (n: number) => `Record ${n} rows`,
    mustAccept: "The rows with problems will not be recorded: tick to accept that first.",
    nothingGood: "No row can be recorded. Correct the file and upload it again.",
    fixAndUpload: "Or correct the file first and upload it again.",
    recording: "Recording…",
    progress: (x: number, n: number) => `recorded ${x} of ${n}`,
    refreshing: "This page reloads itself every 2 seconds.",
    done: (x: number) => `Import done: ${x} rows recorded, on their way to the blockchain.`,
    failedRows: (n: number) => `${n} rows were refused when recorded (their batch changed after the check):`,
    toBatches: "My batches",
    backToImports: "Back to the imports",
  },
});

/** Roles that import something; each imports the kinds it may record. */
const IMPORT_ROLES = [...new Set(IMPORT_KINDS.flatMap((kind) => ROLES_FOR_KIND[kind]))];
const kindsOf = (org: Org): ImportKind[] => IMPORT_KINDS.filter((kind) => roleMayRecord(org.role, kind));
const IMPORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Bad rows listed on the report page; the API lists all of them. */
const PROBLEMS_SHOWN = 500;
const PAST_IMPORTS_SHOWN = 30;

export function importRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const importers = requireMember({ roles: IMPORT_ROLES });

  router.get("/console/templates/:file", importers, (req, res, next) => {
    const kind = /^(\w+)\.csv$/.exec(String(req.params.file))?.[1];
    if (!isImportKind(kind)) return next();
    res
      .type("text/csv; charset=utf-8")
      .set("Content-Disposition", `attachment; filename="${kind}.csv"`)
      .send(templateCsv(kind));
  });

  router.get("/console/imports", importers, (_req, res) => {
    const context = consoleOf(res);
    res.type("html").send(uploadPage(deps, context, {}));
  });

  router.post("/console/imports", importers, async (req, res) => {
    const context = consoleOf(res);
    const org = context.org!;
    const kind = typeof req.body.kind === "string" ? req.body.kind : "";
    const again = (status: number, errors: FieldErrors) => res.status(status).type("html").send(uploadPage(deps, context, errors, kind));
    if (!org.custodial) return again(403, {});
    const t = M[context.lang];
    const file = uploadedFile(req);
    const notYours = isImportKind(kind) && !kindsOf(org).includes(kind);
    const errors: FieldErrors = {};
    if (!isImportKind(kind)) errors.kind = t.chooseKind;
    if (notYours) errors.kind = t.kindNotYours;
    if (!file) errors.file = t.chooseFile;
    if (file?.truncated) errors.file = t.tooBig(megabytes(deps.imports.limits.maxBytes));
    if (!isImportKind(kind) || notYours || !file) return again(notYours ? 403 : 400, errors);
    if (file.truncated) return again(413, errors);
    try {
      const { report, created } = await deps.imports.upload(org, { kind, fileName: file.name, bytes: await readFile(file.path) });
      res.redirect(303, `/console/imports/${report.importId}${created ? "" : "?again=1"}`);
    } catch (error) {
      if (error instanceof CsvFileError) return again(400, { file: fileErrorText(error, context.lang) });
      if (error instanceof DomainError && error.code === "forbidden") throw new ConsoleForbidden();
      throw error;
    }
  });

  router.get("/console/imports/:importId", importers, (req, res) => {
    const context = consoleOf(res);
    const report = ownReport(deps, context, String(req.params.importId));
    if (!report) return notFound(res, context);
    res.type("html").send(reportPage(context, report, {}, req.query.again === "1"));
  });

  router.post("/console/imports/:importId/run", importers, (req, res) => {
    const context = consoleOf(res);
    const report = ownReport(deps, context, String(req.params.importId));
    if (!report) return notFound(res, context);
    if (!context.org!.custodial) return res.status(403).type("html").send(reportPage(context, report, {}, false));
    try {
      deps.imports.run(context.org!, report.importId, req.body.goodOnly === "1");
      res.redirect(303, `/console/imports/${report.importId}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === "conflict") return res.status(409).type("html").send(reportPage(context, report, { goodOnly: M[context.lang].mustAccept }, false));
      if (error.code === "forbidden") throw new ConsoleForbidden();
      throw error;
    }
  });

  return router;
}

function ownReport(deps: ConsoleDeps, context: ConsoleRequest, importId: string): ImportReport | undefined {
  if (!IMPORT_ID.test(importId)) return undefined;
  try {
    return deps.imports.report(context.org!, importId);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return undefined;
    throw error;
  }
}

/** The file a multipart form sent in its `file` field (on disk until the answer); undefined when none was chosen. */
function uploadedFile(req: Request): { name: string; path: string; truncated: boolean } | undefined {
  const file = formFiles(req).find((f) => f.fieldname === "file");
  if (!file || (file.size === 0 && file.originalname === "")) return undefined;
  // The form reader decodes a file name's bytes as UTF-8, as browsers send a Chinese name.
  return { name: file.originalname, path: file.path, truncated: file.truncated };
}

function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

function fileErrorText(error: CsvFileError, lang: Lang): string {
  return error.field === "file" ? error.text(lang) : `${error.field}：${error.text(lang)}`;
}

function notFound(res: Response, context: ConsoleRequest): void {
  const t = COMMON[context.lang];
  res.status(404).type("html").send(consoleLayout({ context, title: t.notFound, path: "/console/imports", body: html`<p class="banner banner-warning" role="alert">${t.notFound}</p>` }));
}

function uploadPage(deps: ConsoleDeps, context: ConsoleRequest, errors: FieldErrors, kind?: string): string {
  const t = M[context.lang];
  const org = context.org!;
  const kinds = kindsOf(org);
  return consoleLayout({
    context,
    title: t.title,
    path: "/console/imports",
    body: html`<p>${t.intro}</p>
<p>${t.templates}${kinds.map((k, i) => html`${i > 0 ? " · " : ""}<a href="/console/templates/${k}.csv" download>${t.template[k]}</a>`)}</p>
<ul class="hint">${kinds.map((k) => html`<li>${t.columnHints[k]}</li>`)}</ul>
<section class="card" aria-labelledby="upload-heading">
<h2 id="upload-heading">${t.upload}</h2>
${org.custodial
  ? html`${errorSummary(errors, context.lang)}
${form({
  action: "/console/imports",
  csrfToken: context.csrfToken,
  multipart: true,
  submitLabel: t.check,
  body: [
    field({ name: "kind", label: t.kind, type: "select", required: true, value: kind ?? (kinds.length === 1 ? kinds[0] : ""), error: errors.kind, options: kinds.map((k) => ({ value: k, label: t.kinds[k] })) }),
    field({ name: "file", label: t.file, type: "file", required: true, accept: ".csv,text/csv", hint: t.fileHint(megabytes(deps.imports.limits.maxBytes), deps.imports.limits.maxRows), error: errors.file }),
  ],
})}`
  : ownKeyBanner(context.lang)}
</section>
${pastImports(deps, context)}`,
  });
}

function pastImports(deps: ConsoleDeps, context: ConsoleRequest): SafeHtml {
  const t = M[context.lang];
  const past = deps.imports.list(context.org!, PAST_IMPORTS_SHOWN);
  return html`<section class="card" aria-labelledby="past-heading">
<h2 id="past-heading">${t.past}</h2>
${past.length === 0
  ? html`<p>${t.none}</p>`
  : html`<div class="table-scroll"><table class="data imports">
<thead><tr><th>${t.fileName}</th><th>${t.rows}</th><th>${t.state}</th></tr></thead>
<tbody>${past.map((record) => pastRow(context.lang, record))}</tbody>
</table></div>`}
</section>`;
}

function pastRow(lang: Lang, record: ImportRecord): SafeHtml {
  const t = M[lang];
  return html`<tr data-import="${record.id}">
<td><a href="/console/imports/${record.id}">${record.fileName}</a><br><small>${t.kinds[record.kind]} · ${formatDateTime(record.createdAt, lang)}</small></td>
<td>${record.totalRows}</td>
<td>${t.status[record.status]}</td>
</tr>`;
}

function reportPage(context: ConsoleRequest, report: ImportReport, errors: FieldErrors, again: boolean): string {
  const t = M[context.lang];
  const importing = report.status === "importing";
  return consoleLayout({
    context,
    title: t.reportTitle(report.fileName),
    path: `/console/imports/${report.importId}`,
    refreshSeconds: importing ? 2 : undefined,
    body: html`${again ? html`<p class="banner banner-warning" role="status">${t.sameFile}</p>` : null}
<div class="card"><dl class="facts">
<dt>${t.kind}</dt><dd>${t.kinds[report.kind]}</dd>
<dt>${t.when}</dt><dd>${formatDateTime(report.createdAt, context.lang)}</dd>
<dt>${t.state}</dt><dd data-status="${report.status}">${t.status[report.status]}</dd>
</dl></div>
${report.status === "validated" ? validatedSection(context, report, errors) : progressSection(context.lang, report)}
${problemTable(context.lang, report)}
<p><a href="/console/imports">${t.backToImports}</a></p>`,
  });
}

/** The check's outcome and the choice to record: all rows, or only the good ones once accepted. */
function validatedSection(context: ConsoleRequest, report: ImportReport, errors: FieldErrors): SafeHtml {
  const t = M[context.lang];
  const action = `/console/imports/${report.importId}/run`;
  const summary = report.badRows === 0 ? t.allGood(report.totalRows) : t.summary(report.totalRows, report.badRows);
  let choice: SafeHtml;
  if (!context.org!.custodial) choice = ownKeyBanner(context.lang);
  else if (report.goodRows === 0) choice = html`<p class="banner banner-danger" role="alert">${t.nothingGood}</p>`;
  else if (report.badRows === 0) choice = form({ action, csrfToken: context.csrfToken, submitLabel: t.recordAll(report.goodRows), id: "record-all", body: [] });
  else {
    choice = html`${errorSummary(errors, context.lang)}
${form({
  action,
  csrfToken: context.csrfToken,
  submitLabel: t.recordGood(report.goodRows),
  id: "record-good",
  body: [field({ name: "goodOnly", label: t.acceptGood(report.goodRows), type: "checkbox", error: errors.goodOnly })],
})}
<p class="hint">${t.fixAndUpload}</p>`;
  }
  return html`<section class="card" aria-labelledby="check-heading">
<h2 id="check-heading" class="${report.badRows === 0 ? "status-confirmed" : "status-failed"}">${summary}</h2>
${choice}
</section>`;
}

function progressSection(lang: Lang, report: ImportReport): SafeHtml {
  const t = M[lang];
  const settled = report.recorded + report.failed;
  return html`<section class="card" aria-labelledby="progress-heading">
<h2 id="progress-heading">${report.status === "done" ? t.done(report.recorded) : t.recording}</h2>
<progress value="${settled}" max="${report.goodRows}" aria-labelledby="progress-heading">${settled} / ${report.goodRows}</progress>
<p data-recorded="${report.recorded}" data-total="${report.goodRows}">${t.progress(report.recorded, report.goodRows)}</p>
${report.status === "importing" ? html`<p class="hint">${t.refreshing}</p>` : null}
${report.status === "done" && report.kind === "harvest" ? html`<p><a class="btn" href="/console/batches">${t.toBatches}</a></p>` : null}
${report.failed > 0 ? html`<p class="banner banner-warning" role="status">${t.failedRows(report.failed)}</p>` : null}
</section>`;
}

function problemTable(lang: Lang, report: ImportReport): SafeHtml | null {
  if (report.problems.length === 0) return null;
  const t = M[lang];
  const shown = report.problems.slice(0, PROBLEMS_SHOWN);
  return html`<section class="card" aria-labelledby="problems-heading">
<h2 id="problems-heading">${t.badRows}</h2>
<div class="table-scroll"><table class="data import-problems">
<thead><tr><th>${t.line}</th><th>${t.column}</th><th>${t.problem}</th></tr></thead>
<tbody>${shown.map((p) => html`<tr data-line="${p.line}" data-field="${p.field}"><td>${p.line}</td><td>${p.field}</td><td>${rowProblemText(p, lang)}</td></tr>`)}</tbody>
</table></div>
${report.problems.length > shown.length ? html`<p>${t.moreProblems(report.problems.length - shown.length)}</p>` : null}
</section>`;
}
