/**
 * The words the ledger and EPCIS 2.0 / CBV 2.0 share: the contexts a document declares, the
 * ledger's own namespace for what CBV has no word for (the proof, the origin county, a step
 * CBV does not name), units as UN/ECE Recommendation 20 codes, and how each kind of ledger event
 * is told in CBV. The README's EPCIS table says the same in prose; change them together.
 */

/** GS1's EPCIS 2.0 JSON-LD context, declared first in every document. */
export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";
export const EPCIS_SCHEMA_VERSION = "2.0";
export const CBV_VERSION = "2.0";

/**
 * The ledger's namespace: fixed (not the gateway's address), so that every gateway of the chain
 * names an extension field alike and an event's hash does not depend on who serves it.
 */
export const LEDGER_NAMESPACE = "urn:provenance-ledger:epcis:";
/** The prefix the gateway's own documents declare for LEDGER_NAMESPACE. */
export const LEDGER_PREFIX = "ledger";

/** The @context of every document the gateway writes. */
export const DOCUMENT_CONTEXT: readonly unknown[] = [EPCIS_CONTEXT, { [LEDGER_PREFIX]: LEDGER_NAMESPACE }];

/** `ledger:name`: a field of the ledger's namespace as the gateway writes it. */
export function ledgerTerm(name: string): string {
  return `${LEDGER_PREFIX}:${name}`;
}

/** The ledger's units and their UN/ECE Rec 20 codes; a jin (500 g) is stated in kilograms. */
export const UOM_OF_UNIT: Record<string, { uom: string; factor: number }> = {
  kg: { uom: "KGM", factor: 1 },
  t: { uom: "TNE", factor: 1 },
  jin: { uom: "KGM", factor: 0.5 },
  box: { uom: "BX", factor: 1 },
  piece: { uom: "H87", factor: 1 },
  crate: { uom: "CR", factor: 1 },
  bag: { uom: "BG", factor: 1 },
};

/** What a captured quantity's unit becomes; an EPCIS quantity without a unit is a count of pieces. */
export const UNIT_OF_UOM: Record<string, string> = { KGM: "kg", TNE: "t", BX: "box", H87: "piece", CR: "crate", BG: "bag" };

/** Processing steps that CBV names; the others are `other` with the step in `ledger:step`. */
export const BIZ_STEP_OF_PROCESSING: Record<string, string> = { packing: "packing", "cold-storage": "storing" };
export const PROCESSING_OF_BIZ_STEP: Record<string, string> = { packing: "packing", storing: "cold-storage" };
export const PROCESSING_STEPS = ["sorting", "washing", "packing", "grading", "cold-storage", "other"] as const;

/** Sale channels, as `ledger:channel`. */
export const SALE_CHANNELS = ["counter", "store", "online", "832-platform"] as const;

/** bizStep and disposition of each kind of movement. */
export const CBV_OF_KIND = {
  harvest: { bizStep: "commissioning", disposition: "active" },
  shipment: { bizStep: "shipping", disposition: "in_transit" },
  receipt: { bizStep: "receiving", disposition: "in_progress" },
  sale: { bizStep: "retail_selling", disposition: "retail_sold" },
  recall: { disposition: "recalled" },
  certification: { bizStep: "inspecting", disposition: "conformant" },
} as const;

/** CBV's short names of bizStep, disposition and the like also have these full forms (CBV 2.0 §8). */
const CBV_LONG_FORMS = [/^https:\/\/ref\.gs1\.org\/cbv\/(?:BizStep|Disp|SDT|ER)-(.+)$/, /^urn:epcglobal:cbv:(?:bizstep|disp|sdt|er):(.+)$/];

/** A CBV value as its short name ("shipping"), whichever form it was written in. */
export function cbvShortName(value: string): string {
  for (const form of CBV_LONG_FORMS) {
    const match = form.exec(value);
    if (match) return match[1];
  }
  return value;
}

/** What the gateway records, said once for the problems that refuse the rest. */
export const SUPPORTED_EVENTS =
  "ObjectEvent ADD with bizStep commissioning (a harvest); ObjectEvent OBSERVE with bizStep shipping, receiving or retail_selling, " +
  "or with disposition recalled; TransformationEvent (processing: in place, merge or split), each naming lots by their " +
  "GS1 Digital Link (…/01/{gtin}/10/{lot}) in quantity lists";
