/**
 * Parsing of GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax 1.4, as GS1's reference
 * syntax engine gs1/gs1-syntax-engine implements it), with the AI rules of GS1's syntax dictionary
 * (ai-dictionary.ts):
 *
 *   http(s)://{host}{any path prefix}/{primary key AI}/{value}[/{qualifier AI}/{value}…][?{AI}={value}&…][#…]
 *
 * - The primary key is the rightmost "/AI/value" pair whose AI is a Digital Link primary key,
 *   reading pairs back from the end of the path (as GS1's syntax engine does); everything before
 *   it is the stem, which may be any host and path prefix.
 * - Key qualifiers follow in one of the key's sequences in the dictionary ("01": 22, 10, 21 or
 *   235), each optional, none repeated, none out of order.
 * - Query parameters whose names are digits are AIs: data attributes, which must be known AIs
 *   flagged as Digital Link data attributes, must not belong in the path as a key qualifier, must
 *   not repeat an AI, and must have a non-empty value. Other query parameters (linkType,
 *   context…) are returned as `other`.
 * - AI values are percent-decoded. Characters outside RFC 3986's unreserved set must be
 *   percent-encoded in an AI value; one that is not ("/10/AB+C") is refused. Each value is then
 *   checked against the dictionary: length, character set 82/39/64, check digits, dates…, and
 *   the AIs together against the dictionary's "req"/"ex" rules.
 * - A GTIN written with 8, 12 or 13 digits (allowed by earlier releases and still printed) is
 *   padded to 14 digits, unless `permitZeroSuppressedGtin: false`.
 * - Refused: the deprecated short names ("/gtin/…", "/lot/…"), compressed Digital Link URIs
 *   (not supported here), a trailing slash, empty path segments, other schemes than http(s).
 *
 * Never throws for bad input: every refusal is `{ ok: false, problem: { field, message } }`, where
 * field is "uri", "host", "path", "query" or the AI whose value or presence is wrong.
 */
import { aiDefinition, aiLabel, aiMatchesPattern, isPrimaryKey, validateAiValue } from "./ai-dictionary";

export interface AiValue {
  ai: string;
  value: string;
}

export interface QueryParameter {
  name: string;
  value: string;
}

export interface DigitalLink {
  /** Scheme, host and any path prefix before the primary key, as given (no trailing slash). */
  stem: string;
  primary: AiValue;
  /** Key qualifiers in path order. */
  qualifiers: AiValue[];
  /** Data attributes from the query string, in the order given. */
  attributes: AiValue[];
  /** Query parameters that are not AIs (linkType, context…), decoded, in the order given. */
  other: QueryParameter[];
  /** The GTIN as 14 digits when the primary key is (01). */
  gtin14?: string;
  /** (10) BATCH/LOT when it qualifies a (01) primary key. */
  lot?: string;
  /** (21) SERIAL when it qualifies a (01) primary key. */
  serial?: string;
  /** "/01/{gtin14}[/22/…][/10/…][/21/…]": primary key and qualifiers, canonically encoded. */
  canonicalPath: string;
}

export interface DigitalLinkProblem {
  field: string;
  message: string;
}

export type DigitalLinkParseResult = { ok: true; value: DigitalLink } | { ok: false; problem: DigitalLinkProblem };

export interface ParseDigitalLinkOptions {
  /** Accept a GTIN of 8, 12 or 13 digits for (01) and pad it to 14. Default true. */
  permitZeroSuppressedGtin?: boolean;
}

/**
 * The short names ("convenience alphas") of GS1 Digital Link 1.0/1.1, deprecated since 1.2 and
 * refused here; listed only to say which numeric AI to write instead (after GS1's syntax engine,
 * gs1/gs1-syntax-engine src/c-lib/dl.c).
 */
const DEPRECATED_SHORT_NAMES: Readonly<Record<string, string>> = {
  cpid: "8010",
  cpsn: "8011",
  cpv: "22",
  gcn: "255",
  gdti: "253",
  giai: "8004",
  ginc: "401",
  gln: "414",
  glnx: "254",
  gmn: "8013",
  grai: "8003",
  gsin: "402",
  gsrn: "8018",
  gsrnp: "8017",
  gtin: "01",
  itip: "8006",
  lot: "10",
  party: "417",
  refno: "8020",
  ser: "21",
  srin: "8019",
  sscc: "00",
};

/** Characters RFC 3986 allows anywhere in a URI (with "%" for percent-encoding). */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;
/** Characters that may not appear in a host (after GS1's syntax engine). */
const BAD_HOST_CHARACTERS = /[_~?#@!$&'()*+,;=%]/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

class Refusal {
  constructor(readonly problem: DigitalLinkProblem) {}
}

function refuse(field: string, message: string): never {
  throw new Refusal({ field, message });
}

/** Percent-encodes every character outside RFC 3986's unreserved set (UTF-8, upper-case hex). */
export function encodeDigitalLinkValue(value: string): string {
  let encoded = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    encoded += byte < 0x80 && UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/** The bytes of a percent-encoded string, or a reason why it is malformed. */
function percentDecodeBytes(raw: string, plusIsSpace: boolean): number[] | string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "%") {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return `malformed percent-encoding "${raw.slice(i, i + 3)}"`;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (plusIsSpace && c === "+") {
      bytes.push(0x20);
    } else {
      bytes.push(c.charCodeAt(0));
    }
  }
  return bytes;
}

/**
 * An AI value from the path or query: only unreserved characters and percent-encodings may be
 * written; the decoded value must be ASCII (every GS1 character set is), without control codes.
 */
function decodeAiValue(ai: string, raw: string): string {
  if (raw === "") refuse(ai, `${aiLabel(ai)}: empty value`);
  for (const c of raw) {
    if (c !== "%" && !UNRESERVED.test(c)) {
      refuse(ai, `${aiLabel(ai)}: "${c}" must be percent-encoded (as ${encodeDigitalLinkValue(c)}) in a GS1 Digital Link URI`);
    }
  }
  const bytes = percentDecodeBytes(raw, false);
  if (typeof bytes === "string") refuse(ai, `${aiLabel(ai)}: ${bytes}`);
  if (bytes.some((b) => b < 0x20 || b > 0x7e)) refuse(ai, `${aiLabel(ai)}: value has a character outside the GS1 character sets`);
  return Buffer.from(bytes).toString("latin1");
}

/** A non-AI query parameter's name or value, decoded as UTF-8 with "+" for a space. */
function decodeOther(raw: string): string {
  const bytes = percentDecodeBytes(raw, true);
  if (typeof bytes === "string") refuse("query", `query parameter "${raw}": ${bytes}`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return refuse("query", `query parameter "${raw}" is not percent-encoded UTF-8`);
  }
}

function normaliseGtin(ai: string, value: string, permitZeroSuppressed: boolean): string {
  if (ai !== "01" || ![8, 12, 13].includes(value.length)) return value;
  if (!permitZeroSuppressed) refuse(ai, `${aiLabel(ai)}: a GS1 Digital Link URI writes the GTIN with 14 digits`);
  return value.padStart(14, "0");
}

function checkValue(ai: string, value: string): void {
  const problem = validateAiValue(ai, value);
  if (problem) refuse(ai, problem);
}

/** Refuses key qualifiers that follow none of the primary key's sequences, saying why. */
function checkQualifierOrder(primary: string, qualifiers: string[]): void {
  const sequences = aiDefinition(primary)?.qualifierSequences ?? [[]];
  const seen = new Set<string>();
  for (const ai of qualifiers) {
    if (seen.has(ai)) refuse("path", `${aiLabel(ai)} appears twice in the path`);
    seen.add(ai);
  }
  if (sequences.some((sequence) => isOrderedSubsequence(qualifiers, sequence))) return;
  const allowed = sequences.flat();
  const stranger = qualifiers.find((ai) => !allowed.includes(ai));
  if (stranger) {
    const hint = aiDefinition(stranger)?.dataAttribute ? "; a data attribute goes in the query string" : "";
    const list = sequences.map((s) => s.map((q) => `/${q}`).join("")).filter((s) => s !== "");
    const offered = list.length > 0 ? ` (its qualifiers: ${list.join(" or ")})` : " (it takes none)";
    refuse("path", `${aiLabel(stranger)} is not a key qualifier of ${aiLabel(primary)}${offered}${hint}`);
  }
  if (!sequences.some((sequence) => qualifiers.every((ai) => sequence.includes(ai)))) {
    refuse("path", `${qualifiers.map((ai) => `(${ai})`).join(" and ")} cannot qualify ${aiLabel(primary)} together`);
  }
  const order = sequences.find((sequence) => qualifiers.every((ai) => sequence.includes(ai))) as string[];
  refuse("path", `key qualifiers out of order: after ${aiLabel(primary)} they go ${order.filter((ai) => seen.has(ai)).map((ai) => `/${ai}`).join("")}`);
}

function isOrderedSubsequence(items: string[], sequence: string[]): boolean {
  let at = 0;
  for (const item of items) {
    const found = sequence.indexOf(item, at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

/** Why no primary key was found in the path: the most helpful of several explanations. */
function explainMissingKey(segments: string[]): never {
  const n = segments.length;
  // A primary key at a pair position whose pairs after it were broken off by something.
  for (let i = n - 2; i >= 0; i -= 2) {
    if (!isPrimaryKey(segments[i])) continue;
    for (let j = i + 2; j < n; j += 2) {
      const segment = segments[j];
      if (DEPRECATED_SHORT_NAMES[segment]) break;
      if (/^[0-9]+$/.test(segment) && !aiDefinition(segment)) refuse("path", `(${segment}) is not a GS1 Application Identifier`);
      if (!aiDefinition(segment)) refuse("path", `path segment "${segment}" after ${aiLabel(segments[i])} is not an Application Identifier`);
    }
  }
  for (let i = 0; i < n; i++) {
    const ai = DEPRECATED_SHORT_NAMES[segments[i]];
    if (ai && i + 1 < n) {
      refuse("path", `the short name "${segments[i]}" is not allowed (deprecated since GS1 Digital Link 1.2): write the numeric AI /${ai}/`);
    }
  }
  const last = segments[n - 1] ?? "";
  if (aiDefinition(last) && n >= 2 && segments.slice(0, -1).some((s) => isPrimaryKey(s))) refuse("path", `${aiLabel(last)} has no value`);
  // A compressed link ends in one base64url segment of the binary-encoded AIs, alone after the
  // stem or after an uncompressed primary key (detected as GS1's GS1DigitalLinkToolkit.js does).
  const partlyCompressed = n >= 3 && isPrimaryKey(segments[n - 3]);
  const looksCompressed = BASE64URL.test(last) && last.length >= 8 && /[^0-9]/.test(last);
  if (looksCompressed && (partlyCompressed || !segments.some((s) => isPrimaryKey(s)))) {
    refuse("path", "no GS1 primary key in the path; compressed GS1 Digital Link URIs are not supported");
  }
  refuse("path", "no GS1 primary key (such as /01/{GTIN}) in the path");
}

function parse(uri: string, options: ParseDigitalLinkOptions): DigitalLink {
  const permitZeroSuppressed = options.permitZeroSuppressedGtin !== false;
  if (!URI_CHARACTERS.test(uri)) {
    const bad = [...uri].find((c) => !URI_CHARACTERS.test(c)) ?? "";
    refuse("uri", `the URI contains ${JSON.stringify(bad)}, which a URI must percent-encode`);
  }
  const scheme = /^(https?|HTTPS?):\/\//.exec(uri);
  if (!scheme) refuse("uri", "a GS1 Digital Link URI begins with http:// or https://");
  const afterScheme = uri.slice(scheme[0].length);
  const hostEnd = afterScheme.search(/[/?#]/);
  const host = hostEnd < 0 ? afterScheme : afterScheme.slice(0, hostEnd);
  if (host === "") refuse("host", "the URI has no host");
  if (BAD_HOST_CHARACTERS.test(host)) refuse("host", `the host "${host}" contains a character a host may not have`);
  const rest = hostEnd < 0 ? "" : afterScheme.slice(hostEnd);
  const fragmentAt = rest.indexOf("#");
  const beforeFragment = fragmentAt < 0 ? rest : rest.slice(0, fragmentAt);
  const queryAt = beforeFragment.indexOf("?");
  const pathPart = queryAt < 0 ? beforeFragment : beforeFragment.slice(0, queryAt);
  const query = queryAt < 0 ? "" : beforeFragment.slice(queryAt + 1);
  if (!pathPart.startsWith("/") || pathPart === "/") refuse("path", "no GS1 primary key (such as /01/{GTIN}) in the path");
  if (pathPart.endsWith("/")) refuse("path", "the path may not end with a slash");
  const segments = pathPart.slice(1).split("/");
  if (segments.includes("")) refuse("path", "the path has an empty segment (//)");
  const malformed = segments.find((segment) => /%(?![0-9A-Fa-f]{2})/.test(segment));
  if (malformed !== undefined) refuse("path", `path segment "${malformed}" has a malformed percent-encoding`);

  // The rightmost "/AI/value" pair whose AI is a primary key, reading pairs back from the end.
  let keyAt = -1;
  for (let i = segments.length - 2; i >= 0; i -= 2) {
    if (!aiDefinition(segments[i])) break;
    if (isPrimaryKey(segments[i])) {
      keyAt = i;
      break;
    }
  }
  if (keyAt < 0) explainMissingKey(segments);

  const pathAis: AiValue[] = [];
  for (let i = keyAt; i < segments.length; i += 2) pathAis.push({ ai: segments[i], value: segments[i + 1] });
  const [primaryRaw, ...qualifiersRaw] = pathAis;
  checkQualifierOrder(
    primaryRaw.ai,
    qualifiersRaw.map((q) => q.ai),
  );
  const decode = ({ ai, value }: AiValue): AiValue => ({ ai, value: normaliseGtin(ai, decodeAiValue(ai, value), permitZeroSuppressed) });
  const primary = decode(primaryRaw);
  const qualifiers = qualifiersRaw.map(decode);

  const attributes: AiValue[] = [];
  const other: QueryParameter[] = [];
  for (const parameter of query.split("&")) {
    if (parameter === "") continue;
    const equals = parameter.indexOf("=");
    const rawName = equals < 0 ? parameter : parameter.slice(0, equals);
    const rawValue = equals < 0 ? "" : parameter.slice(equals + 1);
    if (/^[0-9]+$/.test(rawName)) {
      if (!aiDefinition(rawName)) refuse("query", `query parameter ${rawName}: (${rawName}) is not a GS1 Application Identifier`);
      if (equals < 0 || rawValue === "") refuse(rawName, `${aiLabel(rawName)}: empty value in the query string`);
      attributes.push({ ai: rawName, value: normaliseGtin(rawName, decodeAiValue(rawName, rawValue), permitZeroSuppressed) });
    } else {
      if (rawName === "") refuse("query", `query parameter "${parameter}" has no name`);
      const name = decodeOther(rawName);
      if (/^[0-9]+$/.test(name)) refuse("query", `query parameter "${rawName}": an AI must not be percent-encoded`);
      other.push({ name, value: decodeOther(rawValue) });
    }
  }

  const all = [primary, ...qualifiers, ...attributes];
  const seen = new Set<string>();
  for (const { ai } of all) {
    if (seen.has(ai)) refuse(ai, `${aiLabel(ai)} appears more than once`);
    seen.add(ai);
  }
  const pathSequence = [primary.ai, ...qualifiers.map((q) => q.ai)];
  const sequences = aiDefinition(primary.ai)?.qualifierSequences ?? [[]];
  for (const { ai } of attributes) {
    for (let at = 1; at <= pathSequence.length; at++) {
      const trial = [...pathSequence.slice(1, at), ai, ...pathSequence.slice(at)];
      if (sequences.some((sequence) => isOrderedSubsequence(trial, sequence))) {
        refuse(ai, `${aiLabel(ai)} is a key qualifier of ${aiLabel(primary.ai)}: it goes in the path, not the query string`);
      }
    }
    if (!aiDefinition(ai)?.dataAttribute) refuse(ai, `${aiLabel(ai)} may not be a GS1 Digital Link data attribute`);
  }
  for (const { ai, value } of all) checkValue(ai, value);
  checkAssociations(all.map((a) => a.ai));

  const canonicalPath = [primary, ...qualifiers].map(({ ai, value }) => `/${ai}/${encodeDigitalLinkValue(value)}`).join("");
  const stemPath = segments.slice(0, keyAt).join("/");
  const link: DigitalLink = {
    stem: `${scheme[0]}${host}${stemPath === "" ? "" : `/${stemPath}`}`,
    primary,
    qualifiers,
    attributes,
    other,
    canonicalPath,
  };
  if (primary.ai === "01") {
    link.gtin14 = primary.value;
    const lot = qualifiers.find((q) => q.ai === "10");
    const serial = qualifiers.find((q) => q.ai === "21");
    if (lot) link.lot = lot.value;
    if (serial) link.serial = serial.value;
  }
  return link;
}

/** The dictionary's "req" (needs one of…) and "ex" (not together with…) rules over all AIs of a link. */
function checkAssociations(ais: string[]): void {
  const present = (pattern: string, self: string) => ais.some((ai) => ai !== self && aiMatchesPattern(ai, pattern));
  for (const ai of ais) {
    const definition = aiDefinition(ai);
    if (!definition) continue;
    for (const pattern of definition.excludes) {
      const clash = ais.find((other) => other !== ai && aiMatchesPattern(other, pattern));
      if (clash) refuse(ai, `${aiLabel(ai)} may not appear together with ${aiLabel(clash)}`);
    }
    for (const rule of definition.requires) {
      if (rule.some((group) => group.every((pattern) => present(pattern, ai)))) continue;
      const options = rule.map((group) => group.map((p) => `(${p})`).join(" with "));
      refuse(ai, `${aiLabel(ai)} needs ${options.length > 1 ? "one of " : ""}${options.join(", ")} in the same link`);
    }
  }
}

/**
 * Parses a GS1 Digital Link URI. Returns the primary key, key qualifiers, data attributes and
 * other query parameters, or the first problem found; never throws for bad input.
 */
export function parseDigitalLink(uri: string, options: ParseDigitalLinkOptions = {}): DigitalLinkParseResult {
  if (typeof uri !== "string") return { ok: false, problem: { field: "uri", message: "the URI must be a string" } };
  try {
    return { ok: true, value: parse(uri, options) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, problem: error.problem };
    throw error;
  }
}
