/**
 * The front door (GET /): what the ledger is, a lookup by 查验码 or pasted link and one by GTIN
 * and lot (plain GET forms to /lookup, no script), how anyone checks a batch against the chain,
 * and the ways in for organisations, the programme office and developers. The lookup's answer,
 * when it is not a redirect, is this page again with its message (in Chinese, then English) and
 * the field it is about marked.
 */
import { digitalLinkPath } from "../domain/digital-link";
import { html, type SafeHtml } from "../html/html";
import type { Lang } from "../html/i18n";
import { layout } from "../html/layout";
import type { Bilingual, LookupField, LookupOutcome } from "./front-door-lookup";

export const FRONT_DOOR_TEXT = {
  zh: {
    title: "查验消费帮扶产品",
    intro:
      "这里记录消费帮扶产品从产地到柜台的每一步：采收、加工、圳品认证、运输、收货和销售。每条记录由经手的机构签名，写入区块链上的账本，任何人都可以查看和核对。",
    codeHeading: "输入查验码或粘贴链接",
    codeLabel: "查验码、链接或批次 ID",
    codeHint: "标签上“查验码”后面的字符（如 ABCD-EFGH-JKMN，不分大小写），或扫描二维码得到的链接。",
    gtinHeading: "按商品条码和批次号查找",
    gtinLabel: "商品条码（GTIN，条形码下的数字）",
    lotLabel: "批次号",
    submit: "查验",
    problem: "没有查到",
    choicesHeading: (code: string) => `有多个批次对应“${code}”，请选择：`,
    gtin: "商品条码",
    lot: "批次号",
    unit: "单品码",
    checkHeading: "如何自己核验",
    checkSteps: [
      "每个批次的页面底部有“区块链核验”：页面上的每条记录都与链上的指纹逐一核对。",
      "页面上的“现在向区块链重新核验”会当场再向链上核对一次（接口：GET /api/v1/batches/{批次ID}/verify）。",
      "不必相信本网站：用本项目的命令行工具 provenance audit，可以直接向区块链逐条核对一个批次。",
    ],
    waysHeading: "其他入口",
    console: "机构控制台（合作社、加工厂、认证机构、承运方、专柜）",
    programme: "消费帮扶采购统计（主办方）",
    docs: "API 文档",
    openapi: "OpenAPI 文档（JSON）",
    resolver: "GS1 解析服务说明",
  },
  en: {
    title: "Check a 消费帮扶 product",
    intro:
      "This ledger records every step of consumption-aid (消费帮扶) produce from the farm to the counter: harvest, processing, 圳品 certification, shipment, receipt and sale. Each record is signed by the organisation that made it and written to a ledger on a blockchain, which anyone can read and check.",
    codeHeading: "Enter a check code or paste a link",
    codeLabel: "Check code, link or batch id",
    codeHint: "The characters after “查验码” on the label (like ABCD-EFGH-JKMN, any case), or the link a scan of the QR code gives.",
    gtinHeading: "Find by GTIN and lot",
    gtinLabel: "GTIN (the digits under the barcode)",
    lotLabel: "Lot",
    submit: "Check",
    problem: "Nothing found",
    choicesHeading: (code: string) => `Several batches answer “${code}”; choose one:`,
    gtin: "GTIN",
    lot: "Lot",
    unit: "Unit",
    checkHeading: "How to check for yourself",
    checkSteps: [
      "Each batch page ends with “Checked against the blockchain”: every record on the page is compared with its fingerprint on the chain.",
      "Its “Check against the chain again now” asks the chain again there and then (API: GET /api/v1/batches/{batchId}/verify).",
      "No need to trust this site: the project's command-line tool, provenance audit, checks a batch record by record against the chain itself.",
    ],
    waysHeading: "Other ways in",
    console: "Console for organisations (cooperatives, packing houses, certifiers, carriers, counters)",
    programme: "Programme office: 消费帮扶 purchases",
    docs: "API documentation",
    openapi: "OpenAPI document (JSON)",
    resolver: "GS1 resolver description",
  },
};

export const FRONT_DOOR_LINKS = {
  console: "/console",
  programme: "/programme",
  docs: "/api/v1/docs",
  openapi: "/api/v1/openapi.json",
  resolver: "/.well-known/gs1resolver",
};

export interface FrontDoorState {
  /** What was entered, shown again in the form. */
  values?: { q?: string; gtin?: string; lot?: string };
  /** The lookup's answer when it was not a redirect. */
  outcome?: Exclude<LookupOutcome, { kind: "redirect" }>;
  /** A language the visitor chose with ?lang=, kept by the forms. */
  chosenLang?: Lang;
}

export function renderFrontDoor(lang: Lang, state: FrontDoorState = {}): string {
  const t = FRONT_DOOR_TEXT[lang];
  const values = state.values ?? {};
  const outcome = state.outcome;
  const problem = outcome && outcome.kind !== "choices" ? outcome : undefined;
  const keepLang = state.chosenLang ? html`<input type="hidden" name="lang" value="${state.chosenLang}">` : null;
  const field = (name: LookupField, label: string, value: string | undefined, hint?: string, extra?: SafeHtml): SafeHtml => {
    const invalid = problem?.field === name;
    const describedBy = [hint ? `${name}-hint` : "", invalid ? "lookup-problem" : ""].filter(Boolean).join(" ");
    return html`<div class="form-row${invalid ? " has-error" : ""}">
<label for="${name}">${label}</label>
<input type="text" id="${name}" name="${name}" value="${value ?? ""}" required autocomplete="off" spellcheck="false"${extra ?? html``}${describedBy ? html` aria-describedby="${describedBy}"` : null}${invalid ? html` aria-invalid="true"` : null}>
${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : null}
</div>`;
  };
  const body = html`<main>
<h1>${t.title}</h1>
<p>${t.intro}</p>
${problem ? problemBanner(t.problem, problem.message) : null}
${outcome?.kind === "choices" ? choices(lang, outcome) : null}
<section class="card" aria-labelledby="code-heading">
<h2 id="code-heading">${t.codeHeading}</h2>
<form method="get" action="/lookup">
${keepLang}
${field("q", t.codeLabel, values.q, t.codeHint, html` autocapitalize="characters"`)}
<p><button type="submit" class="btn">${t.submit}</button></p>
</form>
</section>
<section class="card" aria-labelledby="gtin-heading">
<h2 id="gtin-heading">${t.gtinHeading}</h2>
<form method="get" action="/lookup">
${keepLang}
${field("gtin", t.gtinLabel, values.gtin, undefined, html` inputmode="numeric"`)}
${field("lot", t.lotLabel, values.lot)}
<p><button type="submit" class="btn">${t.submit}</button></p>
</form>
</section>
<section class="card" aria-labelledby="check-heading">
<h2 id="check-heading">${t.checkHeading}</h2>
<ol>${t.checkSteps.map((step) => html`<li>${step}</li>`)}</ol>
</section>
<nav class="card" aria-labelledby="ways-heading">
<h2 id="ways-heading">${t.waysHeading}</h2>
<ul>
<li><a href="${FRONT_DOOR_LINKS.console}">${t.console}</a></li>
<li><a href="${FRONT_DOOR_LINKS.programme}">${t.programme}</a></li>
<li><a href="${FRONT_DOOR_LINKS.docs}">${t.docs}</a> · <a href="${FRONT_DOOR_LINKS.openapi}">${t.openapi}</a></li>
<li><a href="${FRONT_DOOR_LINKS.resolver}">${t.resolver}</a></li>
</ul>
</nav>
</main>`;
  return layout({ lang, title: t.title, path: "/", body });
}

/** The message in Chinese first, then English, announced to screen readers. */
function problemBanner(heading: string, message: Bilingual): SafeHtml {
  return html`<div class="banner banner-danger" role="alert" id="lookup-problem">
<h2>${heading}</h2>
<p lang="zh-CN">${message.zh}</p>
<p lang="en">${message.en}</p>
</div>`;
}

function choices(lang: Lang, outcome: Extract<LookupOutcome, { kind: "choices" }>): SafeHtml {
  const t = FRONT_DOOR_TEXT[lang];
  return html`<section class="card" aria-labelledby="choices-heading">
<h2 id="choices-heading">${t.choicesHeading(outcome.code)}</h2>
<ul>${outcome.batches.map(
    (batch) =>
      html`<li><a href="${digitalLinkPath(batch.gtin, batch.lot, batch.serial)}">${t.gtin} ${batch.gtin} · ${t.lot} ${batch.lot}${batch.serial ? ` · ${t.unit} ${batch.serial}` : ""}</a></li>`,
  )}</ul>
</section>`;
}
