/**
 * The programme's county list: the counties on it, and the form that replaces it with an
 * uploaded CSV file. A refused file comes back with each bad line, its number and what is wrong.
 */
import { countyByCode } from "../../domain/divisions";
import type { CountyLineProblem, CountyListUpload } from "../../services/programme-counties";
import type { ProgrammeCounty } from "../../store/programme-county-repository";
import { html, type SafeHtml } from "../../html/html";
import { formatDate, type Lang } from "../../html/i18n";
import { errorSummary, field, form, type FieldErrors } from "../forms";
import { messages } from "../messages";
import { groupByPrefecture, type PrefectureGroup } from "../county-groups";
import { COUNTIES } from "./programme-messages";

const GROUP_WORDS = messages({
  zh: { count: (n: number) => `${n} 个县区` },
  en: { count: (n: number) => `${n} ${n === 1 ? "county" : "counties"}` },
});

/** Bad lines listed on the page; the rest are counted. */
const PROBLEMS_SHOWN = 100;

export interface CountiesPage {
  lang: Lang;
  csrfToken: string;
  counties: ProgrammeCounty[];
  /** Set after a successful upload: the list's new size. */
  replaced?: number;
  /** A refused upload. */
  refused?: Exclude<CountyListUpload, { ok: true }> | "no_file" | "too_large";
}

export function countiesBody(page: CountiesPage): SafeHtml {
  const t = COUNTIES[page.lang];
  const errors: FieldErrors = {};
  if (page.refused === "no_file") errors.file = t.chooseFile;
  else if (page.refused === "too_large") errors.file = t.tooLarge;
  else if (page.refused && "fileProblem" in page.refused) errors.file = t.fileProblems[page.refused.fileProblem];
  else if (page.refused) errors.file = t.badLines(page.refused.lines.length);
  return html`${page.replaced !== undefined ? html`<p class="banner banner-ok" role="status" data-replaced="${page.replaced}">${t.replaced(page.replaced)}</p>` : null}
<p>${t.intro}</p>
<section class="card" aria-labelledby="upload-heading">
<h2 id="upload-heading">${t.upload}</h2>
<p>${t.uploadIntro}</p>
${page.refused ? errorSummary({ ...errors, _form: t.unchanged }, page.lang) : null}
${typeof page.refused === "object" && "lines" in page.refused ? problemTable(page.lang, page.refused.lines) : null}
${form({
  action: "/programme/counties",
  csrfToken: page.csrfToken,
  multipart: true,
  submitLabel: t.submit,
  body: field({ name: "file", label: t.file, type: "file", accept: ".csv,text/csv", required: true, hint: t.fileHint, error: errors.file }),
})}
</section>
<section class="card" aria-labelledby="list-heading">
<h2 id="list-heading">${t.title}</h2>
<p data-county-count="${page.counties.length}">${t.count(page.counties.length)}</p>
${page.counties.length === 0
  ? html`<p>${t.empty}</p>`
  : html`<div class="table-scroll"><table class="data stack" data-counties="">
<thead><tr><th scope="col">${t.code}</th><th scope="col">${t.name}</th><th scope="col">${t.official}</th><th scope="col">${t.addedAt}</th></tr></thead>
${groupByPrefecture(page.counties, (county) => county.code).map((group) => prefectureRows(page.lang, group))}
</table></div>`}
</section>`;
}

/** One prefecture's counties (GB/T 2260: the code's first four digits), under its name and how many. */
function prefectureRows(lang: Lang, group: PrefectureGroup<ProgrammeCounty>): SafeHtml {
  const t = COUNTIES[lang];
  return html`<tbody data-prefecture="${group.code}">
<tr class="group-row"><th scope="rowgroup" colspan="4">${group.name} <span class="hint">${GROUP_WORDS[lang].count(group.members.length)}</span></th></tr>
${group.members.map((county) => html`<tr data-code="${county.code}">
<td data-label="${t.code}"><code>${county.code}</code></td><td data-label="${t.name}">${county.name}</td>
<td data-label="${t.official}">${countyByCode(county.code)?.fullName ?? ""}</td><td data-label="${t.addedAt}">${formatDate(county.addedAt, lang)}</td></tr>`)}
</tbody>`;
}

function problemTable(lang: Lang, problems: CountyLineProblem[]): SafeHtml {
  const t = COUNTIES[lang];
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  return html`<h3>${t.problemsTitle}</h3>
<div class="table-scroll"><table class="data stack" data-problems="">
<thead><tr><th scope="col">${t.line}</th><th scope="col">${t.content}</th><th scope="col">${t.problem}</th></tr></thead>
<tbody>${shown.map((problem) => html`<tr data-line="${problem.line}" data-problem="${problem.problem}">
<td data-label="${t.line}">${problem.line}</td><td data-label="${t.content}"><code>${problem.content}</code></td>
<td data-label="${t.problem}">${problem.problem === "duplicate" ? t.duplicate(problem.firstLine) : t.lineProblems[problem.problem]}</td></tr>`)}</tbody>
</table></div>
${problems.length > shown.length ? html`<p>${t.moreProblems(problems.length - shown.length)}</p>` : null}`;
}
