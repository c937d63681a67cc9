/**
 * The verification as a page people can read: what GET /api/v1/batches/{id}/verify answers a
 * browser (Accept: text/html; machines get the verifier's JSON from the same address). One plain
 * sentence first (every step matches the chain, N do not, or the chain cannot be reached now),
 * then what was compared, and each step with ✓ or ✗, its kind, when it happened, who signed it
 * and the two hashes compared. The facts are the verifier's; the page adds only names and times.
 */
import type { Request } from "express";
import type { Provider } from "ethers";
import { html, type SafeHtml } from "../html/html";
import { chooseLanguage, formatDateTime, MESSAGES, type Lang } from "../html/i18n";
import { layout } from "../html/layout";
import type { EventKindName } from "../domain/event-kinds";
import { parseBatchId } from "../domain/gs1";
import type { Org } from "../store/org-repository";
import type { BatchVerifier, Verification, VerifiedEvent } from "../services/batch-verifier";
import { occurredAt } from "../services/ledger-rules/entries";
import { VERIFY_TEXTS, type VerifyTexts } from "./verify-texts";

export interface VerifyPageDeps {
  verifier: Pick<BatchVerifier, "verify">;
  /** Block times, read from the same node the verifier reads. */
  provider: Pick<Provider, "getBlock">;
  /** Who an address is here (name and role), for the signer's line. */
  orgByAddress: (address: string) => Pick<Org, "name" | "role"> | undefined;
  /** The detail this gateway serves under a data hash: where the event says when it happened. */
  detailOf: (dataHash: string) => string | undefined;
  /** Told when the chain could not be read (the page then says so, 503). */
  onChainError?: (error: unknown, batchId: string) => void;
}

/** What the page shows of one step besides the verifier's facts. */
interface StepFacts {
  happenedAt: string | null;
  recordedAt: string | null;
  signer: { name: string; role: string } | null;
}

export type VerifyPage = (batchId: string, request: Request) => Promise<{ status: number; html: string }>;

export function verificationPages(deps: VerifyPageDeps): VerifyPage {
  return async (batchId, request) => {
    const lang = chooseLanguage(request.query.lang, request.get("Accept-Language"));
    const frame = { lang, path: request.path, batchId, checkedAt: new Date().toISOString() };
    let verification: Verification;
    try {
      verification = await deps.verifier.verify(batchId);
    } catch (error) {
      deps.onChainError?.(error, batchId);
      return { status: 503, html: renderVerificationPage({ kind: "unreachable" }, frame) };
    }
    const steps = await stepFacts(verification, deps);
    const status = verification.events.length === 0 ? 404 : 200;
    return { status, html: renderVerificationPage({ kind: "checked", verification, steps }, frame) };
  };
}

async function stepFacts(verification: Verification, deps: VerifyPageDeps): Promise<StepFacts[]> {
  const blocks = [...new Set(verification.events.map((e) => e.blockNumber))];
  const times = new Map<number, string | null>();
  await Promise.all(
    blocks.map(async (number) => {
      // A block's time only dates the step; a node that cannot say leaves it undated.
      const block = await deps.provider.getBlock(number).catch(() => null);
      times.set(number, block ? new Date(block.timestamp * 1000).toISOString() : null);
    }),
  );
  return verification.events.map((event) => {
    const org = deps.orgByAddress(event.signer);
    return {
      happenedAt: event.ok ? happenedAt(event, deps.detailOf(event.dataHash)) : null,
      recordedAt: times.get(event.blockNumber) ?? null,
      signer: org ? { name: org.name, role: org.role } : null,
    };
  });
}

/** When the step says it happened: its detail's own time (only a detail that matches the chain is read). */
function happenedAt(event: VerifiedEvent, detail: string | undefined): string | null {
  if (detail === undefined) return null;
  try {
    return occurredAt({ kind: event.type as EventKindName, detail: JSON.parse(detail) as Record<string, unknown> }) ?? null;
  } catch {
    return null;
  }
}

export type VerificationOutcome = { kind: "unreachable" } | { kind: "checked"; verification: Verification; steps: StepFacts[] };

export function renderVerificationPage(
  outcome: VerificationOutcome,
  frame: { lang: Lang; path: string; batchId: string; checkedAt: string },
): string {
  const { lang } = frame;
  const v = VERIFY_TEXTS[lang];
  const lot = lotOf(frame.batchId);
  const result = outcome.kind === "unreachable" ? { state: "unreachable", sentence: v.unreachable } : sentenceOf(outcome.verification, v);
  const body = html`<main>
<section class="card" aria-labelledby="verify-heading" data-verify-result="${result.state}">
<h1 id="verify-heading">${v.title}${lot ? html` · <code>${lot}</code>` : null}</h1>
<p class="verify-result verify-result-${result.state}" role="status">${result.sentence}</p>
${outcome.kind === "checked" && !outcome.verification.rules.ok ? html`<p data-rules="broken">${v.rulesBroken(outcome.verification.rules.findings.length)}</p>` : null}
<p>${v.checkedAt(formatDateTime(frame.checkedAt, lang))}</p>
<p><a href="/p/${frame.batchId}${lang === "en" ? "?lang=en" : ""}">${v.backToPage}</a></p>
</section>
<section class="card" aria-labelledby="compared-heading">
<h2 id="compared-heading">${v.comparedTitle}</h2>
<ul><li>${v.comparedDetail}</li><li>${v.comparedHead}</li><li>${v.comparedSigner}</li><li>${v.comparedRules}</li></ul>
</section>
${outcome.kind === "checked" && outcome.verification.events.length > 0 ? stepsSection(outcome.verification, outcome.steps, v, lang) : null}
${outcome.kind === "checked" && outcome.verification.events.length > 0 ? headSection(outcome.verification, v, MESSAGES[lang].colon) : null}
<p class="compared">${v.machineNote}</p>
</main>`;
  return layout({ lang, title: v.title, path: frame.path, body });
}

/** The one sentence at the top: all match, N steps do not, the heads do not add up, or no such batch. */
function sentenceOf(verification: Verification, v: VerifyTexts): { state: string; sentence: string } {
  const { events } = verification;
  if (events.length === 0) return { state: "unknown", sentence: v.noBatch };
  const bad = events.filter((e) => !e.ok).length;
  if (bad > 0) return { state: "mismatch", sentence: v.someDiffer(bad) };
  if (!verification.ok) return { state: "mismatch", sentence: v.headDiffers };
  return { state: "ok", sentence: v.allMatch(events.length) };
}

function stepsSection(verification: Verification, steps: StepFacts[], v: VerifyTexts, lang: Lang): SafeHtml {
  const t = MESSAGES[lang];
  const findings = new Map<string, Array<{ zh: string; message: string }>>();
  for (const f of verification.rules.findings) findings.set(f.dataHash.toLowerCase(), [...(findings.get(f.dataHash.toLowerCase()) ?? []), f]);
  return html`<section class="card" aria-labelledby="steps-heading">
<h2 id="steps-heading">${v.eventsTitle}</h2>
<ol class="verify-events">
${verification.events.map((event, i) => {
  const step = steps[i];
  const broken = findings.get(event.dataHash.toLowerCase()) ?? [];
  return html`<li data-step="${event.position}" data-ok="${event.ok ? "true" : "false"}">
<p><span class="mark ${event.ok ? "mark-ok" : "mark-bad"}" aria-hidden="true">${event.ok ? "✓" : "✗"}</span><strong>${v.step(event.position)} · ${t.kinds[event.type] ?? event.type}</strong> <span class="check ${event.ok ? "check-match" : "check-mismatch"}">${event.ok ? t.verifiedEvent : t.mismatchEvent}</span></p>
${step.happenedAt ? html`<p>${v.happened}${t.colon}<time datetime="${step.happenedAt}">${formatDateTime(step.happenedAt, lang)}</time></p>` : null}
${step.recordedAt ? html`<p>${v.recordedAt}${t.colon}<time datetime="${step.recordedAt}">${formatDateTime(step.recordedAt, lang)}</time></p>` : null}
<p>${v.signedBy}${t.colon}${step.signer ? v.signer(step.signer.name, v.roles[step.signer.role] ?? step.signer.role) : v.unknownSigner} <code>${event.signer}</code></p>
${comparison(event, v, t.colon)}
${broken.length > 0 ? html`<div class="rule-break" role="note"><p><strong>${v.ruleBreak}</strong></p>${broken.map((f) => html`<p>${lang === "zh" ? f.zh : f.message}</p>`)}</div>` : null}
<p class="proof">${v.blockTx}${t.colon}<code>${event.blockNumber}</code> / <code>${event.transactionHash}</code></p>
</li>`;
})}
</ol>
</section>`;
}

/** The two hashes compared for a step, and whether they are the same. */
function comparison(event: VerifiedEvent, v: VerifyTexts, colon: string): SafeHtml {
  if (event.detailHash === null) {
    return html`<p class="compared" data-compared="no-detail">${v.noDetail} ${v.chainHash}${colon}<code>${event.dataHash}</code></p>`;
  }
  const same = event.detailHash.toLowerCase() === event.dataHash.toLowerCase();
  return html`<p class="compared" data-compared="${same ? "same" : "different"}">${v.detailHash}${colon}<code>${event.detailHash}</code><br>${v.chainHash}${colon}<code>${event.dataHash}</code><br><strong>${same ? v.same : v.differs}</strong></p>`;
}

function headSection(verification: Verification, v: VerifyTexts, colon: string): SafeHtml {
  const same = verification.chainHead.toLowerCase() === verification.recomputedHead.toLowerCase();
  return html`<section class="card" aria-labelledby="head-heading" data-head="${same ? "same" : "different"}">
<h2 id="head-heading">${v.headTitle}</h2>
<p class="compared"><span class="mark ${same ? "mark-ok" : "mark-bad"}" aria-hidden="true">${same ? "✓" : "✗"}</span>${v.recomputedHead}${colon}<code>${verification.recomputedHead}</code><br>${v.contractHead}${colon}<code>${verification.chainHead}</code><br><strong>${same ? v.same : v.differs}</strong></p>
</section>`;
}

function lotOf(batchId: string): string | undefined {
  try {
    return parseBatchId(batchId).lot;
  } catch {
    return undefined;
  }
}
