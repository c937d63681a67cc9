/**
 * Building canonical GS1 Digital Link URIs: the base (scheme, host, any path prefix), then the
 * primary key and its key qualifiers in the order the syntax dictionary gives for that key, then
 * the data attributes as a query string in AI order, then any other query parameters (linkType…)
 * in the order given. A GTIN is written with 14 digits, and every character outside RFC 3986's
 * unreserved set is percent-encoded (upper-case hex). The result is checked with the parser, so
 * the builder never writes a URI the parser would refuse.
 */
import { aiDefinition, aiLabel, isPrimaryKey } from "./ai-dictionary";
import { encodeDigitalLinkValue, parseDigitalLink, type AiValue, type DigitalLinkProblem, type QueryParameter } from "./parse";

export interface DigitalLinkParts {
  primary: AiValue;
  qualifiers?: readonly AiValue[];
  attributes?: readonly AiValue[];
  /** Query parameters that are not AIs, such as linkType; written after the attributes. */
  other?: readonly QueryParameter[];
}

export class DigitalLinkError extends Error {
  readonly field: string;
  constructor(problem: DigitalLinkProblem) {
    super(problem.message);
    this.name = "DigitalLinkError";
    this.field = problem.field;
  }
}

const BASE = /^(https?|HTTPS?):\/\/[^/?#]+(\/[^?#]*)?$/;

function padGtin({ ai, value }: AiValue): AiValue {
  return ai === "01" && /^[0-9]+$/.test(value) && [8, 12, 13].includes(value.length) ? { ai, value: value.padStart(14, "0") } : { ai, value };
}

function orderQualifiers(primary: string, qualifiers: readonly AiValue[]): AiValue[] {
  const ais = qualifiers.map((q) => q.ai);
  const sequence = aiDefinition(primary)?.qualifierSequences.find((s) => ais.every((ai) => s.includes(ai)));
  if (!sequence) {
    const stranger = ais.find((ai) => !aiDefinition(primary)?.qualifierSequences.flat().includes(ai));
    throw new DigitalLinkError({
      field: stranger ?? "path",
      message: stranger
        ? `${aiLabel(stranger)} is not a key qualifier of ${aiLabel(primary)}`
        : `${ais.map((ai) => `(${ai})`).join(" and ")} cannot qualify ${aiLabel(primary)} together`,
    });
  }
  return [...qualifiers].sort((a, b) => sequence.indexOf(a.ai) - sequence.indexOf(b.ai));
}

/**
 * The canonical GS1 Digital Link URI for a primary key, its qualifiers and data attributes on
 * `base` (e.g. "https://id.gs1.org" or "https://example.com/products"; a trailing slash is
 * dropped). Throws DigitalLinkError when the parts do not make a valid Digital Link.
 */
export function buildDigitalLink(base: string, parts: DigitalLinkParts): string {
  const stem = base.replace(/\/+$/, "");
  if (!BASE.test(stem)) throw new DigitalLinkError({ field: "uri", message: "the base must be an http(s) URL without query or fragment" });
  const { ai: primaryAi } = parts.primary;
  if (!isPrimaryKey(primaryAi)) throw new DigitalLinkError({ field: primaryAi, message: `${aiLabel(primaryAi)} is not a GS1 Digital Link primary key` });
  const primary = padGtin(parts.primary);
  const qualifiers = orderQualifiers(primaryAi, parts.qualifiers ?? []);
  const attributes = [...(parts.attributes ?? [])].map(padGtin).sort((a, b) => (a.ai < b.ai ? -1 : a.ai > b.ai ? 1 : 0));
  for (const { name } of parts.other ?? []) {
    if (name === "" || /^[0-9]+$/.test(name)) throw new DigitalLinkError({ field: "query", message: `"${name}" is not a name for a query parameter that is not an AI` });
  }
  const path = [primary, ...qualifiers].map(({ ai, value }) => `/${ai}/${encodeDigitalLinkValue(value)}`).join("");
  const query = [
    ...attributes.map(({ ai, value }) => `${ai}=${encodeDigitalLinkValue(value)}`),
    ...(parts.other ?? []).map(({ name, value }) => `${encodeDigitalLinkValue(name)}=${encodeDigitalLinkValue(value)}`),
  ].join("&");
  const uri = `${stem}${path}${query === "" ? "" : `?${query}`}`;
  const check = parseDigitalLink(uri, { permitZeroSuppressedGtin: false });
  if (!check.ok) throw new DigitalLinkError(check.problem);
  if (check.value.stem !== stem || check.value.canonicalPath !== path) {
    throw new DigitalLinkError({ field: "uri", message: "the base ends in what reads as a GS1 primary key; the link would be read differently" });
  }
  return uri;
}
