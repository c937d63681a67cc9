/** The provenance page a shopper's scan opens: the batch (or one unit of it) in plain words. */
import { html, type SafeHtml } from "../html/html";
import { formatDate, formatDateTime, MESSAGES, type Lang, type Messages } from "../html/i18n";
import { layout } from "../html/layout";
import { parseBatchId } from "../domain/gs1";
import type { JourneyEntry, Origin, ProvenanceView, PublicContact } from "../services/batches/provenance-view";
import { SHOPPER_TEXTS, type ShopperTexts } from "./shopper-texts";

/** What the page knows about the scanned unit, when the code named one. */
export interface UnitScan {
  serial: string;
  issued: boolean;
  /** Counted scans: once per client per time window. */
  scanCount: number;
  /** Distinct clients, networks and China days that scanned it. */
  clients: number;
  networks: number;
  days: number;
  /** The signals agree that the label may be copied (services/unit-scans.ts). */
  suspect: boolean;
  /**
   * A read gateway holds no unit serials (they stay with the gateway that issued them), so it
   * neither vouches for the code nor warns: it says where the code is checked.
   */
  uncheckedHere?: { issuingGateway?: string };
}

export interface PageOptions {
  lang: Lang;
  path: string;
  /** The address shoppers reach this gateway on (PUBLIC_BASE_URL): where an audit reads the details. */
  publicBaseUrl: string;
  explorerUrl?: string;
  unit?: UnitScan;
}

export function renderProvenancePage(view: ProvenanceView, options: PageOptions): string {
  const t = MESSAGES[options.lang];
  const s = SHOPPER_TEXTS[options.lang];
  const { batch } = view;
  const title = view.product ?? batch.lot;
  const lang = langQuery(options.lang);
  const body = html`<main>
${unitBanner(options.unit, t)}
${recallBanner(view, t)}
${voidedBanner(view, t)}
${ruleBreaksBanner(view, t)}
<section class="card" aria-labelledby="product-heading">
<h1 id="product-heading">${title}</h1>
<dl class="facts">
${view.variety ? html`<dt>${t.variety}</dt><dd>${view.variety}</dd>` : null}
<dt>${t.gtin}</dt><dd><code>${batch.gtin}</code> · <a href="/01/${batch.gtin}${lang}" data-product-batches>${s.productBatches}</a></dd>
<dt>${t.lot}</dt><dd><code>${batch.lot}</code></dd>
${view.quantity.created ? html`<dt>${t.quantity}</dt><dd data-quantity="own">${quantity(view.quantity.created, t)}${remainingNote(view, t)}</dd>` : null}
${options.unit ? html`<dt>${t.serial}</dt><dd><code>${options.unit.serial}</code></dd>` : null}
</dl>
</section>
${certificationBadge(view, t, options.lang)}
${promiseCertificateLine(view, options.lang)}
${view.origins.map((origin) => originCard(origin, t, options.lang, view.origins.length > 1, origin.lot === batch.lot))}
<section class="card" aria-labelledby="journey-heading">
<h2 id="journey-heading">${t.journey}</h2>
<p>${t.journeyIntro}${options.lang === "en" ? " " : ""}${t.timeZoneNote}</p>
<ol class="timeline">
${view.journey.map((entry) => journeyItem(entry, t, s, options))}
</ol>
${view.pendingCount > 0 ? html`<p class="pending">${t.pendingEvents(view.pendingCount)}</p>` : null}
${view.madeInto.length > 0
  ? html`<p data-lineage="outputs">${t.madeInto}${t.colon}${view.madeInto.map((out, i) => html`${i > 0 ? t.listSeparator : ""}<a href="/p/${out.batchId}${lang}"><code>${out.lot}</code></a>`)}</p>`
  : null}
${batch.lineage.inputs.length > 0
  ? html`<p data-lineage="inputs">${s.madeFrom}${t.colon}${batch.lineage.inputs.map((id, i) => html`${i > 0 ? t.listSeparator : ""}${batchLink(id, options.lang)}`)}</p>`
  : null}
</section>
${contactCard(view, t, s)}
${verificationPanel(view, t, options)}
</main>
<footer class="site-footer"><p>${t.siteName} · GS1 Digital Link <code>/01/${batch.gtin}/10/${batch.lot}</code></p></footer>`;
  return layout({ lang: options.lang, title, path: options.path, body });
}

function unitBanner(unit: UnitScan | undefined, t: Messages): SafeHtml | null {
  if (!unit) return null;
  if (unit.uncheckedHere) {
    const where = unit.uncheckedHere.issuingGateway;
    return html`<section class="banner" aria-labelledby="unit-heading" data-unit="unchecked">
<h2 id="unit-heading">${t.unitTitle}</h2><p>${t.unitUncheckedHere}</p>${where ? html`<p><a href="${where}">${where}</a></p>` : null}</section>`;
  }
  if (!unit.issued) {
    return html`<section class="banner banner-danger" role="alert" data-warning="counterfeit">
<h2>${t.counterfeitTitle}</h2><p>${t.counterfeitUnissued}</p></section>`;
  }
  if (unit.suspect) {
    return html`<section class="banner banner-danger" role="alert" data-warning="counterfeit">
<h2>${t.counterfeitTitle}</h2><p>${t.counterfeitManyPlaces(unit.clients, unit.networks, unit.days)}</p></section>`;
  }
  return html`<section class="banner banner-ok" aria-labelledby="unit-heading">
<h2 id="unit-heading">${t.unitTitle}</h2><p>${t.genuineUnit}</p><p>${t.scans(unit.scanCount)}</p></section>`;
}

function recallBanner(view: ProvenanceView, t: Messages): SafeHtml | null {
  if (!view.batch.recall.recalled) return null;
  return html`<section class="banner banner-danger" role="alert" data-warning="recall">
<h2>${t.recallTitle}</h2>
<p>${view.batch.recall.self ? t.recallSelf : t.recallViaInputs}</p>
${view.recalls.map((recall) =>
  recall.reason ? html`<p>${t.recallReason}${recall.own ? "" : ` (${t.lot} ${recall.lot})`}${t.colon}${recall.reason}</p>` : null,
)}
</section>`;
}

function voidedBanner(view: ProvenanceView, t: Messages): SafeHtml | null {
  if (!view.voided) return null;
  return html`<section class="banner banner-danger" role="alert" data-warning="voided"><h2>${t.voidedTitle}</h2><p>${t.voidedText}</p></section>`;
}

function ruleBreaksBanner(view: ProvenanceView, t: Messages): SafeHtml | null {
  if (view.ruleBreaks === 0) return null;
  return html`<section class="banner banner-danger" role="alert" data-warning="rule-breaks"><p>${t.ruleBreaksBanner(view.ruleBreaks)}</p></section>`;
}

function remainingNote(view: ProvenanceView, t: Messages): SafeHtml | null {
  const { created, remaining } = view.quantity;
  if (!created || !remaining || remaining.amount === created.amount || remaining.unit !== created.unit) return null;
  return html` <span class="remaining" data-quantity="remaining">(${t.remaining} ${quantity(remaining, t)})</span>`;
}

/**
 * The 圳品 badge. A recalled batch never shows the mark as valid: a certificate says how the
 * produce was grown, not that this recalled produce may be eaten.
 */
function certificationBadge(view: ProvenanceView, t: Messages, lang: Lang): SafeHtml {
  const c = view.certification;
  const recalled = view.batch.recall.recalled;
  const status = recalled && c.status === "valid" ? "recalled" : c.status;
  const statusText = status === "recalled" ? t.certRecalled : t.certStatus[status];
  return html`<section class="card badge badge-${status === "recalled" ? "revoked" : status}" aria-labelledby="cert-heading" data-certification="${status}">
<div class="badge-mark" aria-hidden="true"><span>圳品</span></div>
<div>
<h2 id="cert-heading">${t.certTitle}${t.colon}<span class="badge-status">${statusText}</span></h2>
${status !== "valid" && status !== "none" ? html`<p>${t.certNotValidHint}</p>` : null}
${status === "none" && view.certifiedInput ? html`<p data-certified-input="true">${t.certViaInput(view.certifiedInput)}</p>` : null}
${c.certificateNo
  ? html`<dl class="facts">
<dt>${t.certificateNo}</dt><dd><code>${c.certificateNo}</code></dd>
<dt>${t.certifier}</dt><dd>${c.certifierName ?? t.unknownOrg}</dd>
<dt>${t.validity}</dt><dd>${formatDate(c.validFrom as string, lang)} – ${formatDate(c.validUntil as string, lang)}</dd>
${c.notes ? html`<dt>${t.notes}</dt><dd data-certification-notes>${c.notes as string}</dd>` : null}
${status === "revoked" && c.revokedReason ? html`<dt>${t.revokedReason}</dt><dd>${c.revokedReason as string}</dd>` : null}
</dl>`
  : null}
</div>
</section>`;
}

/** The batch's current 承诺达标合格证 (issued by whoever holds the batch), linked to the certificate itself. */
function promiseCertificateLine(view: ProvenanceView, lang: Lang): SafeHtml | null {
  const c = view.promiseCertificate;
  if (!c) return null;
  const issued = lang === "zh" ? "承诺达标合格证 已开具" : "承诺达标合格证 (promise of compliance) issued";
  const when = lang === "zh" ? html`（${formatDate(c.issuedOn, lang)}，${c.issuer}）` : html` (${formatDate(c.issuedOn, lang)}, ${c.issuer})`;
  return html`<section class="card" aria-label="承诺达标合格证" data-promise-certificate="${c.id}">
<p><a href="/promise-certificates/${c.id}">${issued}</a>${when}</p>
</section>`;
}

function originCard(origin: Origin, t: Messages, lang: Lang, several: boolean, own: boolean): SafeHtml {
  return html`<section class="card" aria-label="${t.origin}${several ? ` ${origin.lot}` : ""}">
<h2>${t.origin}${several ? html` · <code>${origin.lot}</code>` : null}</h2>
${origin.programmeCounty ? html`<p><span class="tag tag-programme" data-programme-county="true">${t.povertyCounty}</span></p>` : null}
<dl class="facts">
${origin.county ? html`<dt>${t.county}</dt><dd>${origin.county}${origin.countyCode ? html` <code>${origin.countyCode}</code>` : null}</dd>` : null}
${origin.village ? html`<dt>${t.village}</dt><dd>${origin.village}</dd>` : null}
${origin.base ? html`<dt>${t.base}</dt><dd>${origin.base}</dd>` : null}
<dt>${t.producer}</dt><dd>${origin.producer?.name ?? t.unknownOrg}</dd>
${origin.harvestedAt ? html`<dt>${t.harvested}</dt><dd>${formatDate(origin.harvestedAt, lang)}</dd>` : null}
${own && origin.quantity ? html`<dt>${t.quantity}</dt><dd>${quantity(origin.quantity, t)}</dd>` : null}
</dl>
</section>`;
}

function journeyItem(entry: JourneyEntry, t: Messages, s: ShopperTexts, options: PageOptions): SafeHtml {
  const d = entry.detail ?? {};
  const status = entry.status ?? "live";
  const broken = (entry.findings?.length ?? 0) > 0;
  const classes = `kind-${entry.kind}${entry.batch.own ? "" : " lineage"}${status !== "live" ? ` status-${status}` : ""}${broken ? " breaks-rule" : ""}`;
  // A corrected record stays visible, struck through, with the correction beside it.
  const facts = describe(entry.kind, d, t, { s, lang: options.lang, lot: entry.batch.lot });
  return html`<li class="${classes}" data-kind="${entry.kind}" data-status="${status}">
${entry.at ? html`<time class="when" datetime="${entry.at}">${formatDateTime(entry.at, options.lang)}</time>` : null}
<p><span class="what">${status === "live" ? what(entry, t) : html`<del>${what(entry, t)}</del>`}</span>${status !== "live" ? html` <span class="tag tag-corrected">${status === "void" ? t.statusVoid : t.statusSuperseded}</span>` : null}${entry.batch.own ? null : html` <a class="from-input" href="/p/${entry.batch.batchId}${langQuery(options.lang)}">(${t.fromInputBatch(entry.batch.lot)})</a>`}</p>
${entry.certificate ? certificateValidity(entry.certificate, s, options.lang) : null}
<p>${t.who}${t.colon}${entry.org?.name ?? t.unknownOrg}</p>
${status === "live" ? facts : html`<div class="struck">${facts.map((line) => html`<del>${line}</del>`)}</div>`}
${correctionNote(entry, t, s, options.lang)}
${broken ? html`<div class="rule-break" role="note" data-rule-break="${entry.findings!.map((f) => f.code).join(" ")}"><p><strong>${t.ruleBreak}</strong></p>${entry.findings!.map((f) => html`<p>${options.lang === "zh" ? f.zh : f.en}</p>`)}</div>` : null}
<p class="signed">${signedWith(entry.signedWith, t)} · <span class="check check-${entry.check}">${checkText(entry.check, t)}</span></p>
<p class="proof">${t.block} ${link(options.explorerUrl, "block", String(entry.proof.blockNumber), String(entry.proof.blockNumber))}${
    entry.proof.transactionHash
      ? html` · ${t.transaction} ${link(options.explorerUrl, "tx", entry.proof.transactionHash, shortHash(entry.proof.transactionHash))}`
      : null
  }${detailLink(entry, t)}</p>
</li>`;
}

/**
 * The event's detail at its public address, named by the hash the chain holds: the exact bytes
 * whose keccak256 that hash is. A detail this gateway does not hold shows its hash unlinked.
 */
function detailLink(entry: JourneyEntry, t: Messages): SafeHtml | null {
  const hash = entry.proof.dataHash;
  if (!hash) return null;
  const text = html`<code>${shortHash(hash)}</code>`;
  return html` · ${t.detail} ${entry.check === "not-held" ? text : html`<a class="detail-link" href="${detailPath(hash)}">${text}</a>`}`;
}

function detailPath(hash: string): string {
  return `/api/v1/details/${hash.toLowerCase()}`;
}

/** Who corrected the record, why, and (for a supersede) the facts as corrected. */
function correctionNote(entry: JourneyEntry, t: Messages, s: ShopperTexts, lang: Lang): SafeHtml | null {
  const c = entry.correction;
  if (!c) return null;
  return html`<div class="correction-note"><p>${t.correctedBecause(c.by?.name ?? t.unknownOrg, c.reason)}</p>
${c.replacement ? html`<p>${t.correctedTo}${t.colon}</p>${describe(entry.kind, c.replacement, t, { s, lang, lot: entry.batch.lot })}` : null}</div>`;
}

/** A certificate's dates and whether it holds now, beside its entry in the journey. */
function certificateValidity(c: NonNullable<JourneyEntry["certificate"]>, s: ShopperTexts, lang: Lang): SafeHtml {
  return html`<p class="cert-validity" data-certificate-state="${c.state}"><span class="tag cert-${c.state}">${s.certificateState[c.state]}</span> ${s.validFromUntil(formatDate(c.validFrom, lang), formatDate(c.validUntil, lang))}</p>`;
}

function what(entry: JourneyEntry, t: Messages): string {
  const kind = t.kinds[entry.kind] ?? entry.kind;
  const step = entry.kind === "processing" ? (entry.detail?.step as string | undefined) : undefined;
  return step ? `${kind} · ${t.steps[step] ?? step}` : kind;
}

/** The facts of one event in plain words: where, how much, in what conditions, and the batches it links to. */
function describe(kind: string, d: Record<string, unknown>, t: Messages, page: { s: ShopperTexts; lang: Lang; lot: string }): SafeHtml[] {
  const lines: SafeHtml[] = [];
  const line = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") lines.push(html`<p>${label}${t.colon}${String(value)}</p>`);
  };
  switch (kind) {
    case "harvest": {
      const origin = (d.origin ?? {}) as Record<string, string | undefined>;
      line(t.where, [origin.county, origin.village, origin.base].filter(Boolean).join(" · "));
      if (d.quantity) line(t.quantity, quantity(d.quantity as { amount: number; unit: string }, t));
      // The harvest's photos are public under their hashes, as its detail is: the page shows them.
      const photos = (Array.isArray(d.photoHashes) ? d.photoHashes : []).filter((hash): hash is string => typeof hash === "string" && HASH.test(hash));
      if (photos.length > 0) lines.push(photoStrip(photos, t, page.s, page.lot));
      break;
    }
    case "processing": {
      line(t.facility, d.facility);
      const output = d.output as { quantity?: { amount: number; unit: string } } | undefined;
      if (output?.quantity) line(t.quantity, quantity(output.quantity, t));
      // The batches it names (merged in, or packed from), each linked to its page.
      lines.push(...processingLinks(d, t, page.s, page.lang));
      break;
    }
    case "shipment": {
      line(t.where, d.from && d.to ? `${String(d.from)} → ${String(d.to)}` : (d.from ?? d.to));
      line(t.receiver, (d.consignee as { name?: string } | undefined)?.name);
      if (d.quantity) line(t.quantity, quantity(d.quantity as { amount: number; unit: string }, t));
      // No vehicle: a licence plate is personal data, always private (domain/private-fields.ts).
      const range = d.temperature as { min: number; max: number } | undefined;
      if (range) line(t.temperature, `${range.min} – ${range.max} °C`);
      break;
    }
    case "receipt":
      line(t.where, d.location);
      if (d.quantity) line(t.quantity, quantity(d.quantity as { amount: number; unit: string }, t));
      line(t.condition, d.condition);
      break;
    case "sale":
      if (d.quantity) line(t.quantity, quantity(d.quantity as { amount: number; unit: string }, t));
      line(t.where, t.channels[d.channel as string] ?? d.channel);
      break;
    case "recall":
      line(t.recallReason, d.reason);
      break;
    case "correction":
      lines.push(html`<p>${t.correctsKind(String(d.declaration), t.kinds[String(d.correctsKind)] ?? String(d.correctsKind))}</p>`);
      line(t.recallReason, d.reason);
      break;
    case "certification":
      line(t.certificateNo, d.certificateNo);
      break;
    case "revocation":
      line(t.certificateNo, d.certificateNo);
      line(t.revokedReason, d.reason);
      break;
  }
  line(t.notes, d.notes);
  return lines;
}

/**
 * Thumbnails of a harvest's photos, each linking to the photo itself: sized boxes (no layout
 * shift while they load), loaded lazily, each with words for readers who cannot see it. A photo
 * this gateway does not hold shows its words in its box.
 */
function photoStrip(hashes: readonly string[], t: Messages, s: ShopperTexts, lot: string): SafeHtml {
  return html`<div class="photo-strip" data-photos>${t.photos}${t.colon}<span class="photo-thumbs">${hashes.map((hash, i) => {
    const href = `/photos/${hash.toLowerCase()}`;
    return html`<a href="${href}"><img src="${href}" alt="${s.photoAlt(i + 1, lot)}" width="112" height="112" loading="lazy" decoding="async"></a>`;
  })}</span></div>`;
}

/**
 * The batches a processing step names, each a link to its page: a split output's inputs (what
 * it was packed from), or the batches merged into this one.
 */
function processingLinks(d: Record<string, unknown>, t: Messages, s: ShopperTexts, lang: Lang): SafeHtml[] {
  const inputs = (Array.isArray(d.inputs) ? d.inputs : []).filter((id): id is string => typeof id === "string" && HASH.test(id));
  if (inputs.length === 0) return [];
  const split = d.output !== undefined;
  return [
    html`<p data-lineage="${split ? "split-from" : "merged"}">${split ? s.splitFrom : s.mergedWith}${t.colon}${inputs.map((id, i) => html`${i > 0 ? t.listSeparator : ""}${batchLink(id, lang)}`)}</p>`,
  ];
}

/** A batch named by its id, linked to its page, shown by its lot. */
function batchLink(batchId: string, lang: Lang): SafeHtml {
  let lot: string;
  try {
    lot = parseBatchId(batchId).lot;
  } catch {
    lot = shortHash(batchId);
  }
  return html`<a href="/p/${batchId.toLowerCase()}${langQuery(lang)}"><code>${lot}</code></a>`;
}

/**
 * Whom a shopper can reach about this produce: each producer's public contact (what it set; any
 * part may be missing) and the programme office's, and a way to report a problem by phone or
 * text message naming the lot (the gateway keeps no reports of its own).
 */
function contactCard(view: ProvenanceView, t: Messages, s: ShopperTexts): SafeHtml | null {
  const contacts = view.contacts;
  if (!contacts) return null;
  const people = [
    ...contacts.producers.map((p) => ({ name: p.name, contact: p.contact, kind: "producer" })),
    ...(contacts.programme ? [{ name: s.programmeOffice, contact: contacts.programme, kind: "programme" }] : []),
  ];
  const message = s.reportMessage(view.batch.lot, view.batch.gtin);
  const reachable = people.filter((p) => p.contact.phone);
  return html`<section class="card" aria-labelledby="contact-heading" data-contact>
<h2 id="contact-heading">${s.contactTitle}</h2>
${people.map(
  (p) => html`<h3>${p.name}</h3>
${hasContact(p.contact)
  ? html`<dl class="facts" data-contact-of="${p.kind}">
${p.contact.person ? html`<dt>${s.contactPerson}</dt><dd>${p.contact.person}</dd>` : null}
${p.contact.phone ? html`<dt>${s.phone}</dt><dd><a href="tel:${telNumber(p.contact.phone)}">${p.contact.phone}</a></dd>` : null}
${p.contact.address ? html`<dt>${s.address}</dt><dd>${p.contact.address}</dd>` : null}
</dl>`
  : html`<p data-contact-of="${p.kind}">${s.noContact}</p>`}`,
)}
<h3 id="report-heading">${s.reportTitle}</h3>
${reachable.length > 0
  ? html`<p>${s.reportIntro}${t.colon}<code>${view.batch.lot}</code></p>
<p class="report-links" data-report>${reachable.map(
      (p) => html`<a class="btn btn-quiet" href="tel:${telNumber(p.contact.phone!)}">${s.call(p.name)}</a> <a class="btn btn-quiet" href="sms:${telNumber(p.contact.phone!)}?body=${encodeURIComponent(message)}">${s.text(p.name)}</a> `,
    )}</p>`
  : html`<p data-report="none">${s.noWayToReport}${t.colon}<code>${view.batch.lot}</code></p>`}
</section>`;
}

function hasContact(contact: PublicContact): boolean {
  return Boolean(contact.person || contact.phone || contact.address);
}

/** A phone number as a tel: link dials it: digits and a leading +. */
function telNumber(phone: string): string {
  return phone.replace(/[^\d+]/g, "");
}

function langQuery(lang: Lang): string {
  return lang === "en" ? "?lang=en" : "";
}

function quantity(q: { amount: number; unit: string }, t: Messages): string {
  return `${q.amount} ${t.units[q.unit] ?? q.unit}`;
}

function signedWith(kind: string | null, t: Messages): string {
  if (kind === "own-key") return t.signedOwnKey;
  if (kind === "custodial-key") return t.signedCustodial;
  return t.signedUnknown;
}

function checkText(check: JourneyEntry["check"], t: Messages): string {
  return check === "match" ? `✓ ${t.verifiedEvent}` : check === "mismatch" ? `✗ ${t.mismatchEvent}` : t.notHeldEvent;
}

/**
 * The check a shopper reads, and what a technical reader needs to make it without us: the
 * chain, the ledger's address and deploy block, the batch id, the audit command to copy (the
 * reader names a node of the chain: the gateway does not publish its own), and where the
 * details are.
 */
function verificationPanel(view: ProvenanceView, t: Messages, options: PageOptions): SafeHtml {
  const v = view.verification;
  const { batchId, gtin, lot } = view.batch;
  const command = auditCommand({ gtin, lot, ledger: v.contract, fromBlock: v.deployBlock, details: options.publicBaseUrl, rpcPlaceholder: t.rpcPlaceholder });
  return html`<section class="card" aria-labelledby="verify-heading" data-verified="${v.allMatch ? "true" : "false"}">
<h2 id="verify-heading">${t.verifyTitle}</h2>
<p>${v.allMatch ? t.verifySentence : t.verifyMismatch}</p>
<dl class="facts">
<dt>${t.chainId}</dt><dd><code>${v.chainId}</code></dd>
<dt>${t.contract}</dt><dd>${link(options.explorerUrl, "address", v.contract, v.contract)}</dd>
${v.deployBlock !== null ? html`<dt>${t.deployBlock}</dt><dd><code>${v.deployBlock}</code></dd>` : null}
<dt>${t.batchId}</dt><dd><code>${batchId}</code></dd>
<dt>${t.eventCount}</dt><dd>${v.eventCount}</dd>
<dt>${t.head}</dt><dd><code>${v.head}</code></dd>
</dl>
<p><a href="/api/v1/batches/${batchId}/verify${langQuery(options.lang)}" data-live-check>${t.liveCheck}</a></p>
<h3 id="audit-heading">${t.auditTitle}</h3>
<p>${t.auditIntro}</p>
<div class="table-scroll"><pre data-audit-command><code>${command}</code></pre></div>
<p>${t.auditRpcNote(t.rpcPlaceholder)}</p>
<p>${t.detailsNote}${t.colon}<code>/api/v1/details/{dataHash}</code>${t.listSeparator}<code>/api/v1/details</code></p>
</section>`;
}

/**
 * The audit command for a batch, one option a line, each value quoted for a POSIX shell
 * where it needs it (a lot may hold characters a shell reads, e.g. & or '), and a value that
 * begins with "-" joined to its option, so that no parser takes it for one. The logs are read
 * from the ledger's deploy block when it is known (a long chain's earlier blocks hold none).
 */
export function auditCommand(a: { gtin: string; lot: string; ledger: string; fromBlock: number | null; details: string; rpcPlaceholder: string }): string {
  const option = (name: string, value: string) => `  --${name}${value.startsWith("-") ? "=" : " "}${shellWord(value)}`;
  return [
    "npm run cli -- audit",
    option("gtin", a.gtin),
    option("lot", a.lot),
    `  --rpc ${a.rpcPlaceholder}`,
    option("ledger", a.ledger),
    ...(a.fromBlock !== null ? [option("from-block", String(a.fromBlock))] : []),
    option("details", a.details.replace(/\/+$/, "")),
  ].join(" \\\n");
}

function shellWord(value: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function link(explorerUrl: string | undefined, kind: "tx" | "block" | "address", id: string, text: string): SafeHtml {
  if (!explorerUrl) return html`<code>${text}</code>`;
  return html`<a href="${explorerUrl.replace(/\/$/, "")}/${kind}/${id}" rel="noopener noreferrer"><code>${text}</code></a>`;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

function shortHash(hash: string): string {
  return `${hash.slice(0, 10)}…${hash.slice(-8)}`;
}
