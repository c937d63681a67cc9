/**
 * What the front door's lookup (GET /lookup) finds for what a shopper typed or pasted:
 * - the 查验码 a label prints to read out: a unit's serial in groups of four ("ABCD-EFGH-JKMN",
 *   typed in any case, with or without the dashes; Crockford's I and L read as 1, O as 0), or a
 *   batch label's lot;
 * - a GTIN and lot, from the pack's barcode and print;
 * - a pasted link: a GS1 Digital Link URI of any host, a batch page URL (/p/{batchId}), a batch
 *   id, or a GS1 element string such as "(01)06901234567892(10)TY2026-001".
 * The answer is where to send the shopper (the batch's or unit's page on this gateway), the
 * batches to choose from when a lot is shared, or a message naming what was malformed (400) or
 * not on the ledger (404), in Chinese and English.
 */
import { assertValidLot, batchIdFor, Gs1Error, isValidGtin, normalizeGtin, parseBatchId } from "../domain/gs1";
import { digitalLinkPath, SERIAL_PATTERN, shortCode } from "../domain/digital-link";
import type { FoundBatch } from "../store/front-door-reads";
import { readRequestLink } from "./resolver/request-link";

export interface Bilingual {
  zh: string;
  en: string;
}

export interface LookupReads {
  batch(batchId: string): FoundBatch | undefined;
  batchesWithLot(lot: string): FoundBatch[];
  batchesOfSerial(serial: string): FoundBatch[];
}

/** Which field of the form the message is about. */
export type LookupField = "q" | "gtin" | "lot";

export type LookupOutcome =
  | { kind: "redirect"; location: string }
  /** Several batches answer the code (a lot several products share): each with its page's serial, if a unit's. */
  | { kind: "choices"; code: string; batches: Array<FoundBatch & { serial?: string }> }
  | { kind: "malformed" | "notFound"; field: LookupField; message: Bilingual };

/** Typed or pasted text longer than this is no code or link of ours. */
const MAX_INPUT = 2_000;

export function lookUp(query: { q?: unknown; gtin?: unknown; lot?: unknown }, reads: LookupReads): LookupOutcome {
  if (query.gtin !== undefined || query.lot !== undefined) return byGtinAndLot(text(query.gtin), text(query.lot), reads);
  const q = text(query.q);
  if (q === "") return malformed("q", { zh: "请输入查验码或链接。", en: "Enter a check code or a link." });
  if (q.length > MAX_INPUT) return malformed("q", { zh: "输入的内容太长，不是查验码或链接。", en: "That is too long to be a check code or a link." });
  if (/^0x/i.test(q) || q.includes("/") || q.startsWith("(")) {
    const linked = byLink(q, reads);
    // A lot may hold "/" or "(" too: what is no link may still be a batch label's 查验码 (but 0x and hex is a batch id).
    const mayBeLot = linked.kind === "malformed" && !q.includes("://") && !/^0x[0-9a-f]*$/i.test(q) && isLot(q);
    return mayBeLot ? byCode(q, reads) : linked;
  }
  return byCode(q, reads);
}

function byGtinAndLot(gtinText: string, lotText: string, reads: LookupReads): LookupOutcome {
  if (gtinText === "") return malformed("gtin", { zh: "请输入商品条码（GTIN）。", en: "Enter the GTIN (the barcode's digits)." });
  let gtin: string;
  try {
    gtin = normalizeGtin(gtinText.replace(/[\s-]/g, ""));
  } catch {
    return malformed("gtin", {
      zh: `商品条码“${gtinText}”无效：应为 8、12、13 或 14 位数字，且校验位正确。`,
      en: `The GTIN “${gtinText}” is not valid: it must be 8, 12, 13 or 14 digits with a correct check digit.`,
    });
  }
  if (lotText === "") return malformed("lot", { zh: "请输入批次号。", en: "Enter the lot number." });
  try {
    assertValidLot(lotText);
  } catch {
    return malformed("lot", {
      zh: `批次号“${lotText}”无效：最多 20 个字母、数字或 GS1 允许的符号。`,
      en: `The lot “${lotText}” is not valid: at most 20 letters, digits or symbols GS1 allows.`,
    });
  }
  return toBatch(batchIdFor(gtin, lotText), reads, undefined, { zh: `商品条码 ${gtin}、批次号 ${lotText}`, en: `GTIN ${gtin}, lot ${lotText}` }, "lot");
}

/** A pasted link, batch id or element string. */
function byLink(pasted: string, reads: LookupReads): LookupOutcome {
  const badLink = malformed("q", {
    zh: `无法识别这个链接：“${pasted}”。请粘贴扫码得到的完整链接（含 /01/…/10/…）、批次页面的地址或批次 ID。`,
    en: `This link is not one we can read: “${pasted}”. Paste the whole link a scan gives (with /01/…/10/…), a batch page's address or a batch id.`,
  });
  if (/^0x[0-9a-f]*$/i.test(pasted)) return byBatchId(pasted, reads);
  const elements = /^\(01\)\s*(\d{8,14})\s*\(10\)\s*([^()]+?)\s*(?:\(21\)\s*([^()]+?)\s*)?$/.exec(pasted);
  if (elements) {
    const [, gtin, lot, serial] = elements;
    try {
      return toBatch(batchIdFor(gtin, lot), reads, serial, { zh: `商品条码 ${gtin}、批次号 ${lot}`, en: `GTIN ${gtin}, lot ${lot}` }, "q");
    } catch (error) {
      if (error instanceof Gs1Error) return badLink;
      throw error;
    }
  }
  const page = /\/p\/(0x[0-9a-fA-F]+)\/?(?:[?#].*)?$/.exec(pasted);
  if (page) return byBatchId(page[1], reads);
  const url = urlOf(pasted);
  if (!url) return badLink;
  const read = readRequestLink(url.origin, url.pathname, url.search.slice(1));
  if (!read.ok || read.link.gtin14 === undefined || read.link.lot === undefined) return badLink;
  const { gtin14, lot, serial } = read.link;
  return toBatch(batchIdFor(gtin14, lot), reads, serial, { zh: `商品条码 ${gtin14}、批次号 ${lot}`, en: `GTIN ${gtin14}, lot ${lot}` }, "q");
}

function byBatchId(id: string, reads: LookupReads): LookupOutcome {
  try {
    parseBatchId(id);
  } catch (error) {
    if (!(error instanceof Gs1Error)) throw error;
    return malformed("q", {
      zh: `批次 ID“${id}”无效：应为 0x 开头的 64 位十六进制数，由商品条码和批次号生成。`,
      en: `The batch id “${id}” is not valid: it is 0x and 64 hex digits, made from a GTIN and lot.`,
    });
  }
  return toBatch(id.toLowerCase(), reads, undefined, { zh: `批次 ID ${id}`, en: `batch id ${id}` }, "q");
}

/** A 查验码: a unit's serial, else a batch label's lot. */
function byCode(typed: string, reads: LookupReads): LookupOutcome {
  const serial = asSerial(typed);
  if (serial) {
    const units = reads.batchesOfSerial(serial);
    if (units.length === 1) return { kind: "redirect", location: digitalLinkPath(units[0].gtin, units[0].lot, serial) };
    if (units.length > 1) return { kind: "choices", code: shortCode(serial), batches: units.map((unit) => ({ ...unit, serial })) };
  }
  const lot = typed.trim();
  const lotIsValid = isLot(lot);
  if (!serial && !lotIsValid) {
    return malformed("q", {
      zh: `“${typed}”不是查验码：查验码是标签上印的 12 位字母和数字（如 ABCD-EFGH-JKMN），或批次标签上的批次号。`,
      en: `“${typed}” is not a check code: a check code is the 12 letters and digits a label prints (like ABCD-EFGH-JKMN), or a batch label's lot.`,
    });
  }
  const batches = lotIsValid ? reads.batchesWithLot(lot) : [];
  if (batches.length === 1) return { kind: "redirect", location: digitalLinkPath(batches[0].gtin, batches[0].lot) };
  if (batches.length > 1) return { kind: "choices", code: lot, batches };
  const named = serial ? shortCode(serial) : lot;
  // The barcode's digits typed here: the lot is needed too.
  const gtinHint = /^\d{8,14}$/.test(lot) && isValidGtin(lot);
  return notFound("q", {
    zh: `没有找到查验码 ${named}：账本上没有签发过这个码的单品，也没有这个批次号。请核对输入；如果这个码印在包装上，标签可能是伪造的。${gtinHint ? "如果这是商品条码，请在下方同时填写批次号。" : ""}`,
    en: `No product has the check code ${named}: no unit on the ledger was issued this code and no batch has this lot. Check what you typed; if the code is printed on a pack, the label may be counterfeit.${gtinHint ? " If this is the GTIN, enter it below with the lot." : ""}`,
  });
}

function isLot(text: string): boolean {
  try {
    assertValidLot(text);
    return true;
  } catch {
    return false;
  }
}

/** The serial a typed 查验码 stands for: Crockford's reading (case, dashes and spaces ignored; I and L are 1, O is 0). */
export function asSerial(typed: string): string | undefined {
  const compact = typed.replace(/[\s-]/g, "").toUpperCase().replace(/[IL]/g, "1").replace(/O/g, "0");
  return SERIAL_PATTERN.test(compact) ? compact : undefined;
}

function toBatch(batchId: string, reads: LookupReads, serial: string | undefined, named: Bilingual, field: LookupField): LookupOutcome {
  const batch = reads.batch(batchId);
  if (!batch) {
    return notFound(field, {
      zh: `区块链上没有这个批次（${named.zh}），或它尚未写入完成。`,
      en: `The ledger holds no such batch (${named.en}), or it is not written yet.`,
    });
  }
  // A unit's own page checks its serial (a code never issued is shown as a possible counterfeit there).
  return { kind: "redirect", location: digitalLinkPath(batch.gtin, batch.lot, serial) };
}

function urlOf(pasted: string): URL | undefined {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(pasted) ? pasted : pasted.startsWith("/") ? `http://localhost${pasted}` : `https://${pasted}`;
  try {
    return new URL(candidate);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function malformed(field: LookupField, message: Bilingual): LookupOutcome {
  return { kind: "malformed", field, message };
}

function notFound(field: LookupField, message: Bilingual): LookupOutcome {
  return { kind: "notFound", field, message };
}
