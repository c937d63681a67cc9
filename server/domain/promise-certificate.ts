/**
 * The 承诺达标合格证 (promise-of-compliance certificate): since 1 February 2026
 * (《农产品质量安全承诺达标合格证管理办法》, 农业农村部令2025年第4号) producers and cooperatives issue
 * one for each batch of vegetables, fruit, tea leaves, livestock and poultry, eggs and farmed
 * aquatic products they sell; buyers collect it and keep it for at least six months; whoever
 * merges or repacks produce issues one for what comes out.
 *
 * A certificate here is a signed statement, kept off chain: its content — product, quantity,
 * origin (产地), issue date, the promising party and how to reach it, the fixed promise, the
 * optional marks of how it was checked, its number and the batch's GS1 Digital Link — is
 * written as RFC 8785 canonical JSON; the keccak256 of that text is the certificate's id, and
 * the issuer's key signs the id (EIP-191 personal_sign), so anyone can check who promised what
 * without trusting the gateway. The same content issued twice for a batch is one certificate:
 * its key is the hash of the content without the number.
 */
import { getBytes, hashMessage, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { canonicalize } from "./canonical-json";
import { isPlainDate } from "./china-dates";
import { COUNTED_UNITS, WEIGHT_UNITS } from "./request-shapes";

export const CERTIFICATE_TITLE = "承诺达标合格证";

/**
 * The promise every certificate carries, word for word: no banned pesticides, veterinary drugs
 * or other banned compounds used; the residues of those used within the limits; the safety
 * intervals and withdrawal periods kept; no illegal additives.
 */
export const PROMISE = {
  statement: "我承诺对产品质量安全和本合格证真实性负责：",
  items: [
    "不使用禁用农药、兽药及其他禁用化合物",
    "使用的常规农药、兽药残留不超标",
    "遵守农药安全间隔期、兽药休药期规定",
    "不使用非法添加物",
  ],
} as const;

/** The promise in one sentence, for the smallest labels (its full words are one scan away). */
export const PROMISE_SHORT = "承诺：不使用禁用农药兽药及非法添加物，常规农药兽药残留不超标，遵守安全间隔期和休药期。";

/** How the produce was checked, where the issuer marks it (optional, any of them). */
export const TEST_MARKS = ["self-tested", "commissioned-test", "internal-control"] as const;
export type TestMark = (typeof TEST_MARKS)[number];
export const MARK_LABELS: Record<TestMark, string> = {
  "self-tested": "自检合格",
  "commissioned-test": "委托检测合格",
  "internal-control": "内部质量控制合格",
};

/** Where the produce was grown: a harvest's county and, where given, its township or village and base. */
export interface CertificateOrigin {
  /** The harvest batch's lot (a merged or repacked batch names each of its origins). */
  lot: string;
  countyCode: string;
  /** "百色市田阳区", as the harvest names it. */
  county: string;
  province?: string;
  village?: string;
  base?: string;
}

export interface PromiseParty {
  orgId: string;
  name: string;
  role: string;
  /** 联系方式: the organisation's contact phone. */
  phone: string;
  /** Its postal address, where it gave one. */
  address?: string;
  /** The Ethereum address that signs for it: what the signature recovers to. */
  account: string;
}

/** What a certificate says, signed as it is written here. */
export interface PromiseCertificateContent {
  type: "promise-certificate";
  title: typeof CERTIFICATE_TITLE;
  v: 1;
  certificateNo: string;
  /** The China date it was issued on ("2026-07-15"): a date, never a moment. */
  issuedOn: string;
  batch: { id: string; gtin: string; lot: string };
  /** The batch's GS1 Digital Link URI: what the printed QR code holds. */
  digitalLink: string;
  product: { name: string };
  quantity: { amount: number; unit: string };
  origins: CertificateOrigin[];
  promiser: PromiseParty;
  promise: { statement: string; items: string[] };
  /** In TEST_MARKS order. */
  marks: TestMark[];
}

/** A certificate as it is kept and served: its content (canonical text) and the issuer's signature over its id. */
export interface SignedPromiseCertificate {
  id: string;
  content: PromiseCertificateContent;
  /** The RFC 8785 text whose keccak256 is `id`. */
  canonical: string;
  signer: string;
  signature: string;
}

/** The content of a certificate, its fields in place (the number, the promise and the marks' order fixed here). */
export function certificateContent(facts: Omit<PromiseCertificateContent, "type" | "title" | "v" | "promise" | "marks"> & { marks: readonly TestMark[] }): PromiseCertificateContent {
  if (!isPlainDate(facts.issuedOn)) throw new RangeError(`issuedOn must be a date, not ${facts.issuedOn}`);
  return {
    type: "promise-certificate",
    title: CERTIFICATE_TITLE,
    v: 1,
    ...facts,
    promise: { statement: PROMISE.statement, items: [...PROMISE.items] },
    marks: TEST_MARKS.filter((mark) => facts.marks.includes(mark)),
  };
}

/** The certificate's id: keccak256 of its canonical JSON. */
export function certificateId(content: PromiseCertificateContent): string {
  return keccak256(toUtf8Bytes(canonicalize(content)));
}

/** What makes two issues "the same content": everything but the number. */
export function contentKey(content: PromiseCertificateContent): string {
  const { certificateNo: _number, ...rest } = content;
  return keccak256(toUtf8Bytes(canonicalize(rest)));
}

/** The digest the issuer signs: EIP-191 personal_sign of the 32 bytes of the id. */
export function promiseDigest(id: string): string {
  return hashMessage(getBytes(id));
}

/** The address that signed the certificate's id. */
export function recoverPromiser(id: string, signature: string): string {
  return recoverAddress(promiseDigest(id), signature);
}

/** A certificate number: the issue date and that day's sequence on this gateway ("20260715-00001"). */
export function certificateNumber(issuedOn: string, sequence: number): string {
  return `${issuedOn.replaceAll("-", "")}-${String(sequence).padStart(5, "0")}`;
}

/** The date `months` calendar months before a date, clamped to the month's last day (2026-08-31 → 2026-02-28). */
export function monthsBefore(date: string, months: number): string {
  const [year, month, day] = date.split("-").map(Number);
  const index = year * 12 + (month - 1) - months;
  const y = Math.floor(index / 12);
  const m = index % 12;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return `${String(y).padStart(4, "0")}-${String(m + 1).padStart(2, "0")}-${String(Math.min(day, last)).padStart(2, "0")}`;
}

/** How long a buyer keeps what it collected (and both sides' lists reach back): six months. */
export const KEEP_MONTHS = 6;

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, "must be a phone number: digits, with spaces, dashes, brackets or a leading +")
  .describe("a phone number, e.g. 0776-1234567 or 13800000000");
const postalAddress = z.string().trim().min(1).max(200).describe("a postal address");

/** An organisation's contact details, printed on the certificates it issues. */
export const orgContactBody = z.strictObject({
  phone,
  address: postalAddress.optional(),
});
export type OrgContact = z.infer<typeof orgContactBody>;

export const issuePromiseCertificateBody = z.strictObject({
  quantity: z
    .strictObject({ amount: z.number().positive().max(1e12), unit: z.enum([...WEIGHT_UNITS, ...COUNTED_UNITS]) })
    .optional()
    .describe("how much the certificate covers; all the issuer holds of the batch when left out"),
  marks: z
    .array(z.enum(TEST_MARKS))
    .max(TEST_MARKS.length)
    .refine((marks) => new Set(marks).size === marks.length, "names a mark twice")
    .optional()
    .describe("how the produce was checked: self-tested 自检合格, commissioned-test 委托检测合格, internal-control 内部质量控制合格"),
  contact: z
    .strictObject({ phone: phone.optional(), address: postalAddress.optional() })
    .optional()
    .describe("the contact details to print instead of the organisation's own"),
});
export type IssuePromiseCertificateBody = z.infer<typeof issuePromiseCertificateBody>;
