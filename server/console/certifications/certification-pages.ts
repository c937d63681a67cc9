/**
 * The certifier's pages: the certificates it issued (with those about to expire first), the two
 * attestation forms and the revocation form of one certificate. The list reloads itself while a
 * write is on its way to the chain.
 */
import { parseBatchId } from "../../domain/gs1";
import type { CertifierCertification } from "../../store/certification-reads";
import type { Org } from "../../store/org-repository";
import { html, type SafeHtml } from "../../html/html";
import { formatDate, type Lang } from "../../html/i18n";
import { ATTEST_FORMS, type CertificationSubject } from "./certification-forms";
import { CERTIFICATION_WORDS } from "./certification-messages";
import { certificateState, isInFlight, isRevocable } from "./certification-state";
import { batchPickerFields, type BatchPick } from "../events/event-batch-picker";
import { formKeyField, ownKeyBanner } from "../forms";
import type { FormValues } from "../events/event-forms";
import { errorSummary, field, form, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import type { ConsoleRequest } from "../session";

const REFRESH_SECONDS = 3;

export interface CertificateListing {
  certifications: CertifierCertification[];
  expiring: CertifierCertification[];
  page: number;
  pages: number;
  nowSeconds: number;
  /** The write just accepted, if it is this certifier's. */
  recorded?: string;
}

export function certificateListPage(context: ConsoleRequest, listing: CertificateListing): string {
  const t = CERTIFICATION_WORDS[context.lang];
  const inFlight = listing.certifications.some(isInFlight) || listing.expiring.some(isInFlight);
  const { page, pages } = listing;
  return consoleLayout({
    context,
    title: t.title,
    path: page > 1 ? `/console/certifications?page=${page}` : "/console/certifications",
    refreshSeconds: inFlight ? REFRESH_SECONDS : undefined,
    body: html`${listing.recorded ? html`<p class="banner banner-ok" role="status" data-recorded="${listing.recorded}">${t.recorded}</p>` : null}
${inFlight ? html`<p data-refreshing="true">${t.refreshing}</p>` : null}
${context.org!.custodial
  ? html`<p class="console-actions"><a class="btn" href="/console/certifications/batch">${t.attestBatch}</a> <a class="btn" href="/console/certifications/product-line">${t.attestProductLine}</a></p>`
  : ownKeyBanner(context.lang)}
<section class="card" aria-labelledby="expiring-heading" id="expiring">
<h2 id="expiring-heading">${t.expiringTitle}</h2>
${listing.expiring.length ? certificateTable(listing.expiring, listing.nowSeconds, context) : html`<p>${t.expiringNone}</p>`}
</section>
<section aria-labelledby="all-heading" id="certificates">
<h2 id="all-heading">${t.allTitle}</h2>
${listing.certifications.length ? certificateTable(listing.certifications, listing.nowSeconds, context) : html`<p>${t.none}</p>`}
${pages > 1
  ? html`<p class="console-actions">${page > 1 ? html`<a href="/console/certifications?page=${page - 1}">${t.previous}</a> ` : null}${page < pages ? html`<a href="/console/certifications?page=${page + 1}">${t.next}</a>` : null}</p>`
  : null}
</section>`,
  });
}

function certificateTable(certifications: CertifierCertification[], now: number, context: ConsoleRequest): SafeHtml {
  const t = CERTIFICATION_WORDS[context.lang];
  return html`<div class="table-scroll"><table class="data stack">
<thead><tr><th>${t.certificateNo}</th><th>${t.subject}</th><th>${t.validity}</th><th>${t.state}</th><th>${t.chain}</th><th></th></tr></thead>
<tbody>${certifications.map((c) => {
    const state = certificateState(c, now);
    return html`<tr data-certificate="${c.certificateNo}" data-state="${state}">
<td data-label="${t.certificateNo}">${c.certificateNo}</td>
<td data-label="${t.subject}">${subjectText(c, context.lang)}</td>
<td data-label="${t.validity}">${validityText(c, context.lang)}</td>
<td data-label="${t.state}"><span><span class="cert-state cert-${state}">${t.states[state]}</span>${state === "revoked" ? html`<br><small>${c.revocation?.reason ?? c.revokedOnChain?.reason}</small>` : null}</span></td>
<td data-label="${t.chain}"><span>${writeStatus(c.write, context.lang)}${c.revocation ? html`<br>${t.revocation}: ${writeStatus(c.revocation, context.lang)}` : null}</span></td>
<td data-label="">${isRevocable(c, now) && context.org!.custodial ? html`<a href="/console/certifications/${c.certificationId}/revoke">${t.revokeLink}</a>` : null}</td>
</tr>`;
  })}</tbody>
</table></div>`;
}

function writeStatus(write: { status: string; error: string | null }, lang: Lang): SafeHtml {
  return html`<span class="status status-${write.status}" data-write-status="${write.status}">${COMMON[lang].status[write.status] ?? write.status}</span>${write.error ? html` <small>${write.error}</small>` : null}`;
}

function subjectText(c: CertifierCertification, lang: Lang): SafeHtml {
  const t = CERTIFICATION_WORDS[lang];
  if (c.subject.kind === "productLine") return html`<span>${t.productLine(c.subject.producer.name)}<br><small>GTIN ${c.subject.gtin}</small></span>`;
  const lot = lotOf(c.subject.batchId);
  return html`<span>${c.subject.product ? html`${c.subject.product} ` : null}<a href="/p/${c.subject.batchId}">${t.batchLot(lot)}</a></span>`;
}

function validityText(c: CertifierCertification, lang: Lang): string {
  return `${formatDate(iso(c.validFrom), lang)} – ${formatDate(iso(c.validUntil), lang)}`;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function lotOf(batchId: string): string {
  try {
    return parseBatchId(batchId).lot;
  } catch {
    return batchId;
  }
}


export interface AttestFormPage {
  subject: CertificationSubject;
  values: FormValues;
  pick: BatchPick;
  errors: FieldErrors;
  producers: readonly Org[];
  formKey?: unknown;
}

export function attestPage(context: ConsoleRequest, page: AttestFormPage): string {
  const t = CERTIFICATION_WORDS[context.lang];
  const path = `/console/certifications/${page.subject}`;
  const body = ATTEST_FORMS[page.subject].fields(page.values, page.errors, context.lang, page.producers);
  return consoleLayout({
    context,
    title: page.subject === "batch" ? t.attestBatch : t.attestProductLine,
    path,
    body: html`<p><a href="/console/certifications">${t.backToList}</a></p>
<p>${page.subject === "batch" ? t.attestBatchIntro : t.attestProductLineIntro}</p>
${context.org!.custodial
  ? html`${errorSummary(page.errors, context.lang)}
${form({
  action: path,
  csrfToken: context.csrfToken,
  submitLabel: t.submitAttest,
  body: [formKeyField(page.formKey), page.subject === "batch" ? batchPickerFields(page.pick, page.errors, context.lang) : html``, ...body],
})}`
  : ownKeyBanner(context.lang)}`,
  });
}

export interface RevokeFormPage {
  certification: CertifierCertification;
  nowSeconds: number;
  reason?: string;
  errors: FieldErrors;
  formKey?: unknown;
}

export function revokePage(context: ConsoleRequest, page: RevokeFormPage): string {
  const { certification, nowSeconds, reason, errors } = page;
  const t = CERTIFICATION_WORDS[context.lang];
  const path = `/console/certifications/${certification.certificationId}/revoke`;
  const state = certificateState(certification, nowSeconds);
  return consoleLayout({
    context,
    title: t.revokeTitle,
    path,
    body: html`<p><a href="/console/certifications">${t.backToList}</a></p>
<dl class="facts card">
<dt>${t.certificateNo}</dt><dd>${certification.certificateNo}</dd>
<dt>${t.subject}</dt><dd>${subjectText(certification, context.lang)}</dd>
<dt>${t.validity}</dt><dd>${validityText(certification, context.lang)}</dd>
<dt>${t.state}</dt><dd><span class="cert-state cert-${state}">${t.states[state]}</span></dd>
</dl>
${!context.org!.custodial
  ? ownKeyBanner(context.lang)
  : !isRevocable(certification, nowSeconds)
    ? html`<p class="banner banner-warning" role="status">${t.alreadyRevoked}</p>`
    : html`<p class="banner banner-danger">${t.revokeWarning}</p>
${errorSummary(errors, context.lang)}
${form({
  action: path,
  csrfToken: context.csrfToken,
  submitLabel: t.submitRevoke,
  danger: true,
  body: [formKeyField(page.formKey), field({ name: "reason", label: t.reason, type: "textarea", value: reason, error: errors.reason, hint: t.reasonHint, required: true, maxLength: 1000 })],
})}`}`,
  });
}
