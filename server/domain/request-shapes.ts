/**
 * The request bodies of the API as zod schemas: the same schema validates a request, gives its
 * TypeScript type and becomes its part of the OpenAPI document.
 */
import { z } from "zod";
import { gtinCheckDigit, isValidGtin } from "./gs1";
import { ROLE_NAMES } from "./event-kinds";
import { DATE_FORMS_MESSAGE, isDateOrDateTime } from "./china-dates";

const text = (max: number) => z.string().trim().min(1).max(max);
/** When something happened or holds: a plain date (a day in China) or a date-time with offset. */
const instant = z
  .string()
  .refine(isDateOrDateTime, DATE_FORMS_MESSAGE)
  .describe("a date, 2026-07-15 (a day in China, kept as a date), or a date-time with offset, 2026-07-15T08:00:00+08:00");
const gtin = z
  .string()
  .refine(isValidGtin, "must be a GTIN-8, -12, -13 or -14 with a correct check digit")
  .describe("GTIN (GS1 AI 01)");
const lot = z
  .string()
  .regex(/^[!"%-?A-Z_a-z]{1,20}$/, "must be 1 to 20 characters of GS1 character set 82")
  .describe("lot (GS1 AI 10)");
const batchId = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex batch id");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an Ethereum address");
/** An organisation of the ledger, by the id the gateway gave it or by its address. */
const organisation = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, "must be an organisation's id or address")
  .describe("an organisation: its id or its address");
export const WEIGHT_UNITS = ["kg", "t", "jin"] as const;
export const COUNTED_UNITS = ["box", "piece", "crate", "bag"] as const;
const quantity = z.strictObject({
  amount: z.number().positive().max(1e12),
  unit: z.enum([...WEIGHT_UNITS, ...COUNTED_UNITS]),
});
/**
 * How much one counted unit of a batch weighs ("1 box = 5 kg"): with it, a batch measured by
 * weight can be sold or shipped by the box, and a batch of boxes by weight.
 */
const conversion = z
  .strictObject({ unit: z.enum(COUNTED_UNITS), kg: z.number().positive().max(1e6) })
  .describe("one counted unit's weight, e.g. {unit: box, kg: 5}");
/** Names of detail fields that anonymous readers must not see. */
const privateFields = z.array(text(64)).max(32).optional();

export const createOrgBody = z.strictObject({
  name: text(200),
  role: z.enum(ROLE_NAMES),
  address: address.optional().describe("the organisation's own signing address; omit for a custodial key"),
  gln: z
    .string()
    .regex(/^\d{13}$/, "must be a GLN: 13 digits")
    .refine((value) => gtinCheckDigit(value.slice(0, 12)) === Number(value[12]), "must be a GLN with a correct check digit")
    .optional()
    .describe("the organisation's GS1 Global Location Number, where it has one: how EPCIS names it and its premises"),
});

export const harvestBody = z.strictObject({
  product: z.strictObject({ name: text(100), gtin, variety: text(100).optional() }),
  lot,
  origin: z.strictObject({
    countyCode: z.string().regex(/^\d{6}$/, "must be a 6-digit GB/T 2260 code"),
    county: text(100).optional().describe("optional: the name is taken from the code; a name given must agree with it"),
    village: text(100).optional(),
    base: text(200).optional(),
  }),
  quantity,
  conversion: conversion.optional(),
  harvestedAt: instant,
  notes: text(2000).optional(),
  photoHashes: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex hash")).max(20).optional(),
  private: privateFields,
});

const processingOutput = z.strictObject({
  gtin,
  lot,
  quantity,
  conversion: conversion.optional(),
  product: z.strictObject({ name: text(100), variety: text(100).optional() }).optional(),
});

export const processingBody = z.strictObject({
  type: z.literal("processing"),
  step: z.enum(["sorting", "washing", "packing", "grading", "cold-storage", "other"]),
  occurredAt: instant,
  facility: text(200).optional(),
  inputs: z.array(batchId).max(20).optional().describe("other batches merged with this one"),
  outputs: z.array(processingOutput).max(100).optional().describe("new batches made from the inputs (split)"),
  quantitiesConfirmed: z
    .literal(true)
    .optional()
    .describe("the outputs are in units that do not convert into the inputs' (kg into boxes with no box weight): the quantities were checked by hand"),
  notes: text(2000).optional(),
  private: privateFields,
});

export const shipmentBody = z.strictObject({
  type: z.literal("shipment"),
  consignee: organisation.describe("the organisation the batch goes to, which records its receipt"),
  quantity: quantity.optional().describe("how much is shipped; all the shipper (the writer, a holder) holds when left out"),
  from: text(200),
  to: text(200),
  vehicle: text(50).optional(),
  temperature: z
    .strictObject({ min: z.number().min(-60).max(60), max: z.number().min(-60).max(60) })
    .refine((range) => range.min <= range.max, { message: "min must not exceed max", path: ["min"] })
    .optional(),
  shippedAt: instant,
  notes: text(2000).optional(),
  private: privateFields,
});

export const receiptBody = z.strictObject({
  type: z.literal("receipt"),
  location: text(200),
  receivedAt: instant,
  condition: text(500).optional(),
  private: privateFields,
});

export const saleBody = z.strictObject({
  type: z.literal("sale"),
  quantity,
  amountCny: z.number().min(0).max(1e10),
  channel: z.enum(["counter", "store", "online", "832-platform"]),
  soldAt: instant,
  priceConfirmed: z.literal(true).optional().describe("the price is far from this batch's usual price, or zero, and is right"),
  private: privateFields,
});

export const recallBody = z.strictObject({
  type: z.literal("recall"),
  reason: text(1000),
  recalledAt: instant,
});

/** What a correction may restate: a superseded event's corrected facts, of the same type. */
const replacement = z.union([
  harvestBody.extend({ type: z.literal("harvest") }),
  shipmentBody,
  receiptBody,
  saleBody,
]);

/**
 * A correction (EPCIS errorDeclaration): declares an earlier event of the batch void (it did
 * not happen) or superseded by `replacement` (it happened, with these facts).
 */
export const correctionBody = z
  .strictObject({
    type: z.literal("correction"),
    corrects: z
      .string()
      .regex(/^(0x[0-9a-fA-F]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, "must be an event id or an event's data hash")
      .describe("the event corrected: the event id the gateway gave it, or its data hash"),
    declaration: z.enum(["void", "supersede"]),
    reason: text(1000),
    replacement: replacement.optional().describe("supersede only: the event as it should have been recorded"),
  })
  .refine((body) => (body.declaration === "supersede") === (body.replacement !== undefined), {
    message: "a supersede needs the replacement; a void takes none",
    path: ["replacement"],
  });

export const eventBody = z.discriminatedUnion("type", [processingBody, shipmentBody, receiptBody, saleBody, recallBody, correctionBody]);

const certificationFields = {
  scheme: z.literal("圳品"),
  certificateNo: text(64),
  validFrom: instant,
  validUntil: instant,
  notes: text(2000).optional(),
};

export const batchCertificationBody = z.strictObject(certificationFields);

export const productLineCertificationBody = z.strictObject({
  ...certificationFields,
  producer: z.string().min(1).describe("the producer organisation's id or address"),
  gtin,
});

export const revokeBody = z.strictObject({ reason: text(1000) });

export type HarvestBody = z.infer<typeof harvestBody>;
export type EventBody = z.infer<typeof eventBody>;
export type CorrectionBody = z.infer<typeof correctionBody>;
export type Replacement = z.infer<typeof replacement>;
export type BatchCertificationBody = z.infer<typeof batchCertificationBody>;
export type ProductLineCertificationBody = z.infer<typeof productLineCertificationBody>;

/** At most this many unit serials are issued by one request. */
export const MAX_SERIALS_PER_REQUEST = 10_000;

export const issueSerialsBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_SERIALS_PER_REQUEST).describe("how many unit serials to issue"),
});
