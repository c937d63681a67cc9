/**
 * The GS1 Application Identifiers the Digital Link parser knows, read at load from GS1's Barcode
 * Syntax Dictionary (data/gs1-syntax-dictionary.txt, release 2026-01-27 of the public repository
 * gs1/gs1-syntax-dictionary, Apache-2.0; source and commit named in the file's header).
 *
 * Each dictionary entry gives an AI's format as components ("N13,csum,gcppos1 [X..17]": 13 digits
 * with a check digit, then up to 17 optional characters of set 82), its flags ("?" = may be a
 * Digital Link data attribute), its attributes ("dlpkey=22,10,21|235" = a Digital Link primary
 * key and its key-qualifier sequences; "req=" and "ex=" = AIs it needs or excludes) and its title.
 *
 * `validateAiValue` applies the format the way GS1's reference syntax engine does: the overall
 * length first, then each component's character set and "linters" (check digits, dates, …).
 * A few linters need code lists (ISO 3166 countries, ISO 4217 currencies, IBAN countries, media
 * and package types, North American coupons); those are not checked here: see UNCHECKED_LINTERS.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

/** N: digits; X: GS1 character set 82; Y: GS1 character set 39; Z: set 64 (base64url). */
export type ComponentCharset = "N" | "X" | "Y" | "Z";

export interface AiComponent {
  charset: ComponentCharset;
  minLength: number;
  maxLength: number;
  /** An optional ("[...]") component may be left out when the value ends before it. */
  optional: boolean;
  /** Names of the dictionary's content checks for this component, e.g. "csum", "yymmd0". */
  linters: string[];
}

export interface AiDefinition {
  ai: string;
  /** The dictionary's data title, e.g. "SERIAL", "BATCH/LOT"; empty when it gives none. */
  title: string;
  /** The specification as the dictionary writes it, e.g. "N13,csum,gcppos1 [X..17]". */
  format: string;
  components: AiComponent[];
  /** Digits only (every component is N). */
  numeric: boolean;
  /** Exactly one length (no variable or optional component). */
  fixedLength: boolean;
  minLength: number;
  maxLength: number;
  /** The character sets the value uses, in component order without repeats. */
  characterSets: Array<"numeric" | "82" | "39" | "64">;
  /** "mod10": GS1 check digit (GTIN, GLN, SSCC, GSRN…); "alpha-pair": the GMN check character pair. */
  checkDigit?: "mod10" | "alpha-pair";
  /** Pre-defined length AI that needs no FNC1 separator ("*" flag). */
  predefinedLength: boolean;
  /** May be carried as a GS1 Digital Link data attribute (query parameter), the "?" flag. */
  dataAttribute: boolean;
  /** A GS1 Digital Link primary key ("dlpkey"). */
  primaryKey: boolean;
  /** For a primary key: its key-qualifier sequences, each in path order ([] when it has none). */
  qualifierSequences: string[][];
  /** "req=" rules: each rule is satisfied by one of its groups, a group by all of its AIs. Patterns such as "31nn" match any digit for n. */
  requires: string[][][];
  /** "ex=" patterns of AIs that may not appear together with this one. */
  excludes: string[];
}

/** Linters named in the dictionary that need external code lists and are not checked here. */
export const UNCHECKED_LINTERS: readonly string[] = [
  "iso3166",
  "iso3166999",
  "iso3166alpha2",
  "iso4217",
  "iban",
  "mediatype",
  "packagetype",
  "couponcode",
  "couponposoffer",
];

export const DICTIONARY_SOURCE = {
  repository: "https://github.com/gs1/gs1-syntax-dictionary",
  file: "gs1-syntax-dictionary.txt",
  release: "2026-01-27",
  commit: "8ad003f83a4ba6c2179ce15d578fae27d6580909",
  licence: "Apache-2.0",
} as const;

const DICTIONARY_FILE = path.join(__dirname, "..", "data", "gs1-syntax-dictionary.txt");

const COMPONENT = /^(\[)?([NXYZ])(?:(\d+)|\.\.(\d+))(\])?((?:,[a-z0-9]+)*)$/;

function parseComponent(token: string): AiComponent | undefined {
  const match = COMPONENT.exec(token);
  if (!match || Boolean(match[1]) !== Boolean(match[5])) return undefined;
  const fixed = match[3] !== undefined;
  const length = Number(fixed ? match[3] : match[4]);
  return {
    charset: match[2] as ComponentCharset,
    minLength: fixed ? length : 1,
    maxLength: length,
    optional: Boolean(match[1]),
    linters: match[6] ? match[6].slice(1).split(",") : [],
  };
}

function expandAis(token: string): string[] {
  const range = /^(\d{2,4})-(\d{2,4})$/.exec(token);
  if (!range) {
    if (!/^\d{2,4}$/.test(token)) throw new Error(`GS1 syntax dictionary: bad AI "${token}"`);
    return [token];
  }
  const [first, last] = [Number(range[1]), Number(range[2])];
  const ais: string[] = [];
  for (let n = first; n <= last; n++) ais.push(String(n).padStart(range[1].length, "0"));
  return ais;
}

function parseLine(line: string): AiDefinition[] {
  const hash = line.indexOf("#");
  const body = (hash < 0 ? line : line.slice(0, hash)).trim();
  const title = hash < 0 ? "" : line.slice(hash + 1).trim();
  const tokens = body.split(/\s+/);
  const aiToken = tokens.shift() as string;
  let flags = "";
  if (tokens.length > 0 && /^[^A-Za-z0-9[]+$/.test(tokens[0])) flags = tokens.shift() as string;
  const components: AiComponent[] = [];
  const specTokens: string[] = [];
  while (tokens.length > 0) {
    const component = parseComponent(tokens[0]);
    if (!component) break;
    components.push(component);
    specTokens.push(tokens.shift() as string);
  }
  if (components.length === 0) throw new Error(`GS1 syntax dictionary: no format for AI ${aiToken}`);
  let primaryKey = false;
  const qualifierSequences: string[][] = [];
  const requires: string[][][] = [];
  const excludes: string[] = [];
  for (const attribute of tokens) {
    const [key, value] = attribute.split("=", 2);
    if (key === "dlpkey") {
      primaryKey = true;
      if (value) for (const sequence of value.split("|")) qualifierSequences.push(sequence.split(","));
    } else if (key === "req" && value) {
      requires.push(value.split(",").map((group) => group.split("+")));
    } else if (key === "ex" && value) {
      excludes.push(...value.split(","));
    }
  }
  const charsetName = { N: "numeric", X: "82", Y: "39", Z: "64" } as const;
  const characterSets = [...new Set(components.map((c) => charsetName[c.charset]))];
  const linters = components.flatMap((c) => c.linters);
  const shared = {
    title,
    format: specTokens.join(" "),
    components,
    numeric: components.every((c) => c.charset === "N"),
    fixedLength: components.every((c) => c.minLength === c.maxLength && !c.optional),
    minLength: components.reduce((sum, c) => sum + (c.optional ? 0 : c.minLength), 0),
    maxLength: components.reduce((sum, c) => sum + c.maxLength, 0),
    characterSets,
    checkDigit: linters.includes("csum") ? ("mod10" as const) : linters.includes("csumalpha") ? ("alpha-pair" as const) : undefined,
    predefinedLength: flags.includes("*"),
    dataAttribute: flags.includes("?"),
    primaryKey,
    qualifierSequences: primaryKey && qualifierSequences.length === 0 ? [[]] : qualifierSequences,
    requires,
    excludes,
  };
  return expandAis(aiToken).map((ai) => ({ ai, ...shared }));
}

function loadDictionary(): Map<string, AiDefinition> {
  const entries = new Map<string, AiDefinition>();
  for (const raw of readFileSync(DICTIONARY_FILE, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    for (const definition of parseLine(line)) entries.set(definition.ai, definition);
  }
  return entries;
}

const DICTIONARY = loadDictionary();

/** The dictionary's entry for an AI, or undefined for an AI GS1 has not assigned. */
export function aiDefinition(ai: string): AiDefinition | undefined {
  return DICTIONARY.get(ai);
}

/** Every AI the dictionary defines, in its (lexical) order. */
export function allAiDefinitions(): AiDefinition[] {
  return [...DICTIONARY.values()];
}

export function isPrimaryKey(ai: string): boolean {
  return DICTIONARY.get(ai)?.primaryKey === true;
}

/** The GS1 Digital Link primary keys: 00, 01, 253, 255, 401, 402, 414, 415, 417, 8003, … */
export function primaryKeys(): string[] {
  return allAiDefinitions()
    .filter((d) => d.primaryKey)
    .map((d) => d.ai);
}

/** Whether an AI matches a dictionary pattern: "01" only itself, "31nn" any AI 3100-3199. */
export function aiMatchesPattern(ai: string, pattern: string): boolean {
  if (ai.length !== pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "n" ? !/[0-9]/.test(ai[i]) : pattern[i] !== ai[i]) return false;
  }
  return true;
}

/**
 * The data attributes a primary key may carry on its own: AIs flagged "?" that the key does not
 * exclude (nor they it), that are not among its own key qualifiers, and whose every "req" rule is
 * met by the key alone or by one of its qualifiers. Others may still be valid together with
 * further attributes (e.g. (3922) PRICE with a (31nn) measure); the parser decides per link.
 */
export function dataAttributesFor(primaryAi: string): string[] {
  const key = DICTIONARY.get(primaryAi);
  if (!key?.primaryKey) return [];
  const qualifiers = new Set(key.qualifierSequences.flat());
  const candidates = [primaryAi, ...qualifiers];
  return allAiDefinitions()
    .filter((d) => d.dataAttribute && d.ai !== primaryAi && !qualifiers.has(d.ai))
    .filter((d) => !d.excludes.some((p) => aiMatchesPattern(primaryAi, p)) && !key.excludes.some((p) => aiMatchesPattern(d.ai, p)))
    .filter((d) => d.requires.every((rule) => rule.some((group) => group.every((p) => candidates.some((ai) => aiMatchesPattern(ai, p))))))
    .map((d) => d.ai);
}

/** A short label for messages: "(21) SERIAL". */
export function aiLabel(ai: string): string {
  const title = DICTIONARY.get(ai)?.title;
  return title ? `(${ai}) ${title}` : `(${ai})`;
}

// ---------------------------------------------------------------------------------------------
// Value checks: character sets and linters, after GS1's reference implementations
// (gs1/gs1-syntax-dictionary src/lint_*.c).

const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;
const CSET39 = /^[#\-/0-9A-Z]*$/;
const CSET64 = /^[A-Za-z0-9_-]*=?=?$/;
const CSET82_ORDER = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137,
  139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
  283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449,
  457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
];
/** Shortest GS1 Company Prefix: the gcppos linters ask for this many leading digits. */
const GCP_MIN_LENGTH = 4;

const isDigits = (s: string) => /^[0-9]+$/.test(s);

/** The GS1 mod-10 check digit of `digits` without its last digit, compared with that digit. */
export function hasValidMod10CheckDigit(digits: string): boolean {
  if (!isDigits(digits) || digits.length < 2) return false;
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(body.length - 1 - i) - 48) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

function csumalpha(data: string): string | undefined {
  if (data.length < 2) return "is too short for its check character pair";
  if (data.length > PRIMES.length + 2) return "is too long for its check character pair";
  let sum = 0;
  for (let pos = 0; pos < data.length - 2; pos++) {
    const weight = CSET82_ORDER.indexOf(data[pos]);
    if (weight < 0) return "has a character outside GS1 character set 82";
    sum += weight * PRIMES[data.length - 3 - pos];
  }
  sum %= 1021;
  return data[data.length - 2] === CSET32[sum >> 5] && data[data.length - 1] === CSET32[sum & 31] ? undefined : "has a wrong check character pair";
}

function date(data: string, century: boolean, allowZeroDay: boolean): string | undefined {
  const length = century ? 8 : 6;
  if (data.length !== length || !isDigits(data)) return `must be a date of ${length} digits`;
  const year = Number(data.slice(0, century ? 4 : 2));
  const month = Number(data.slice(length - 4, length - 2));
  const day = Number(data.slice(length - 2));
  if (month < 1 || month > 12) return "has a month outside 01-12";
  // Two-digit years: GS1's 50-year window around the current year; only leap years matter here,
  // and YY % 4 === 0 decides those for every year the window can give (2000 is a leap year).
  const leap = century ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 : year % 4 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day > days || (day === 0 && !allowZeroDay)) return "has a day that is not in its month";
  return undefined;
}

function twoDigits(data: string, max: number, what: string): string | undefined {
  return data.length === 2 && isDigits(data) && Number(data) <= max ? undefined : `must give the ${what} as 2 digits, at most ${max}`;
}

function pieceOfTotal(data: string): string | undefined {
  if (!isDigits(data) || data.length === 0 || data.length % 2 !== 0) return "must be a piece number and total of equal length";
  const piece = data.slice(0, data.length / 2);
  const total = data.slice(data.length / 2);
  if (/^0+$/.test(piece)) return "has a zero piece number";
  if (/^0+$/.test(total)) return "has a zero total";
  return piece > total ? "has a piece number above its total" : undefined;
}

function positionInSequence(data: string): string | undefined {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(data);
  if (!match) return "must be a position and a total separated by /";
  const [position, end] = [match[1], match[2]];
  if (position[0] === "0" || end[0] === "0") return "must not have leading zeros";
  const exceeds = position.length === end.length ? position > end : position.length > end.length;
  return exceeds ? "has a position beyond the end of the sequence" : undefined;
}

const LINTERS: Record<string, (data: string) => string | undefined> = {
  csum: (d) => (hasValidMod10CheckDigit(d) ? undefined : "has a wrong check digit"),
  csumalpha,
  gcppos1: (d) => (d.length >= GCP_MIN_LENGTH && isDigits(d.slice(0, GCP_MIN_LENGTH)) ? undefined : "must begin with a GS1 Company Prefix"),
  gcppos2: (d) =>
    d.length >= GCP_MIN_LENGTH + 1 && isDigits(d.slice(1, GCP_MIN_LENGTH + 1)) ? undefined : "must have a GS1 Company Prefix from its second digit",
  zero: (d) => (/^0+$/.test(d) ? undefined : "must be zero"),
  nonzero: (d) => (isDigits(d) && /[1-9]/.test(d) ? undefined : "must not be zero"),
  nozeroprefix: (d) => (d === "" || (isDigits(d) && d[0] !== "0") ? undefined : "must not begin with 0"),
  hasnondigit: (d) => (/[^0-9]/.test(d) ? undefined : "must contain a character that is not a digit"),
  yymmd0: (d) => date(d, false, true),
  yymmdd: (d) => date(d, false, false),
  yyyymmd0: (d) => date(d, true, true),
  yyyymmdd: (d) => date(d, true, false),
  hh: (d) => twoDigits(d, 23, "hour"),
  mi: (d) => twoDigits(d, 59, "minute"),
  ss: (d) => twoDigits(d, 59, "second"),
  hhmi: (d) => (d.length === 4 ? (twoDigits(d.slice(0, 2), 23, "hour") ?? twoDigits(d.slice(2), 59, "minute")) : "must be a time of 4 digits"),
  yesno: (d) => (d === "0" || d === "1" ? undefined : "must be 0 or 1"),
  hyphen: (d) => (/^-+$/.test(d) ? undefined : "must be a hyphen"),
  winding: (d) => (d === "0" || d === "1" || d === "9" ? undefined : "must be 0, 1 or 9"),
  latitude: (d) => (d.length === 10 && isDigits(d) && Number(d) <= 1800000000 ? undefined : "is not a latitude"),
  longitude: (d) => (d.length === 10 && isDigits(d) && Number(d) <= 3600000000 ? undefined : "is not a longitude"),
  pieceoftotal: pieceOfTotal,
  posinseqslash: positionInSequence,
  iso5218: (d) => (/^[0129]$/.test(d) ? undefined : "is not an ISO/IEC 5218 sex code"),
  importeridx: (d) => (/^[-0-9A-Z_a-z]$/.test(d) ? undefined : "is not an importer index"),
  pcenc: (d) => (/%(?![0-9A-Fa-f]{2})/.test(d) ? "has a malformed percent-encoding" : undefined),
};

function charsetProblem(charset: ComponentCharset, data: string): string | undefined {
  switch (charset) {
    case "N":
      return isDigits(data) ? undefined : "must be digits only";
    case "X":
      return CSET82.test(data) ? undefined : "has a character outside GS1 character set 82";
    case "Y":
      return CSET39.test(data) ? undefined : "has a character outside GS1 character set 39";
    case "Z":
      return CSET64.test(data) && (!data.includes("=") || data.length % 3 === 0) ? undefined : "has a character outside GS1 character set 64";
  }
}

/**
 * Why `value` is not a valid value of `ai` (a message such as "(21) SERIAL: 21 characters, at
 * most 20"), or undefined when it is. Unknown AIs are refused.
 */
export function validateAiValue(ai: string, value: string): string | undefined {
  const definition = DICTIONARY.get(ai);
  if (!definition) return `(${ai}) is not a GS1 Application Identifier`;
  const label = aiLabel(ai);
  if (value.length === 0) return `${label}: empty value`;
  if (value.length < definition.minLength) {
    return `${label}: ${value.length} characters, ${definition.fixedLength ? "must be exactly" : "at least"} ${definition.minLength}`;
  }
  if (value.length > definition.maxLength) {
    return `${label}: ${value.length} characters, ${definition.fixedLength ? "must be exactly" : "at most"} ${definition.maxLength}`;
  }
  let rest = value;
  for (const [index, component] of definition.components.entries()) {
    const part = rest.slice(0, component.maxLength);
    if (component.optional && part.length === 0) continue;
    const where = definition.components.length > 1 ? ` (part ${index + 1}, ${part})` : "";
    if (part.length < component.minLength) return `${label}: value is too short${where}`;
    const problem = charsetProblem(component.charset, part) ?? component.linters.map((name) => LINTERS[name]?.(part)).find((p) => p !== undefined);
    if (problem) return `${label}: value ${problem}${where}`;
    rest = rest.slice(part.length);
  }
  return rest.length === 0 ? undefined : `${label}: value is too long`;
}
