/**
 * An EPCIS 2.0 event (of a document that passed GS1's schema) as the write the API would take:
 * the same request shapes, so the same checks and the same ledger rules follow. What the ledger
 * cannot represent — other event types, instance-level EPCs, sensor reports, a bizStep it has no
 * event for — is refused with a problem that names the event and says what is supported. The
 * identifiers the event came with go into its detail (EpcisAnnotation), so it reads back the same.
 */
import { z } from "zod";
import { batchIdFor, Gs1Error, gtinCheckDigit } from "../gs1";
import type { WriteRequest } from "../ledger-types";
import { eventBody, harvestBody } from "../request-shapes";
import type { EpcisAnnotation } from "./project-event";
import { cbvShortName, LEDGER_NAMESPACE, PROCESSING_OF_BIZ_STEP, PROCESSING_STEPS, SUPPORTED_EVENTS, UNIT_OF_UOM } from "./vocabulary";

export interface CaptureProblem {
  /** JSON Pointer of the event (or of its field) in the document. */
  pointer: string;
  message: string;
}

/** A captured event as a write, with the batch it is about (for the all-or-nothing report). */
export interface CapturedWrite {
  request: WriteRequest;
  annotation: EpcisAnnotation;
  /**
   * Quantities the event states that the ledger works out itself (a receipt takes in all that
   * was shipped to its writer; a processing takes what its writer holds, or a split's share):
   * checked against what the ledger planned, so that a document never reads back otherwise.
   */
  stated?: Array<{ batchId: string; quantity: { amount: number; unit: string } }>;
}

export interface CaptureMappingContext {
  /** The document's @context (an event's own wins). */
  context: unknown;
  /** An organisation named by a party URI (did:pkh, a GLN): its id, or undefined when unknown. */
  organisationOf(partyUri: string): string | undefined;
}

type Event = Record<string, unknown>;

class Refusal extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

/** The write one captured event asks for, or the problems that refuse it. */
export function writeOfEpcisEvent(
  event: Event,
  pointer: string,
  eventID: string,
  mapping: CaptureMappingContext,
): { write: CapturedWrite } | { problems: CaptureProblem[] } {
  try {
    const read = fieldReader(event, event["@context"] ?? mapping.context);
    const { request, annotationExtra, stated } = requestOf(event, pointer, read, mapping);
    const parsed = request.type === "harvest" ? harvestBody.safeParse(request.body) : eventBody.safeParse(request.body);
    if (!parsed.success) {
      return { problems: parsed.error.issues.map((issue) => ({ pointer, message: `${issuePath(issue)}: ${issue.message}` })) };
    }
    const annotation: EpcisAnnotation = {
      eventID,
      eventTimeZoneOffset: String(event.eventTimeZoneOffset),
      ...(typeof event.bizStep === "string" ? { bizStep: event.bizStep } : {}),
      ...(typeof event.disposition === "string" ? { disposition: event.disposition } : {}),
      ...(Array.isArray(event.bizTransactionList) ? { bizTransactionList: event.bizTransactionList as EpcisAnnotation["bizTransactionList"] } : {}),
      ...(isIdObject(event.bizLocation) ? { bizLocation: event.bizLocation.id } : {}),
      ...(isIdObject(event.readPoint) ? { readPoint: event.readPoint.id } : {}),
      ...annotationExtra,
    };
    return { write: { request: { ...request, body: parsed.data } as WriteRequest, annotation, ...(stated?.length ? { stated } : {}) } };
  } catch (error) {
    if (error instanceof Refusal) return { problems: [{ pointer: error.pointer, message: error.message }] };
    throw error;
  }
}

type Reader = (name: string) => unknown;

/** Reads the ledger's extension fields, under whichever prefix the document gave its namespace. */
function fieldReader(event: Event, context: unknown): Reader {
  const prefixes = new Set<string>();
  for (const entry of Array.isArray(context) ? context : [context]) {
    if (entry && typeof entry === "object") {
      for (const [prefix, value] of Object.entries(entry as Record<string, unknown>)) if (value === LEDGER_NAMESPACE) prefixes.add(prefix);
    }
  }
  return (name) => {
    const full = `${LEDGER_NAMESPACE}${name}`;
    for (const source of [event, (event.ilmd ?? {}) as Event]) {
      if (source[full] !== undefined) return source[full];
      for (const prefix of prefixes) if (source[`${prefix}:${name}`] !== undefined) return source[`${prefix}:${name}`];
    }
    return undefined;
  };
}

function isIdObject(value: unknown): value is { id: string } {
  return Boolean(value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string");
}

interface MappedRequest {
  request: { type: string; batchId?: string; body: Record<string, unknown> };
  annotationExtra: Partial<EpcisAnnotation>;
  stated?: CapturedWrite["stated"];
}

/** The quantities of lots an event states, for the ledger's own figures to be checked against. */
function statedOf(lots: LotQuantity[]): CapturedWrite["stated"] {
  return lots.filter((l) => l.quantity).map((l) => ({ batchId: l.batchId, quantity: l.quantity! }));
}

function requestOf(event: Event, pointer: string, read: Reader, mapping: CaptureMappingContext): MappedRequest {
  const type = String(event.type);
  const unsupported = (why: string, at = pointer) => new Refusal(at, `${why}: this ledger records ${SUPPORTED_EVENTS}`);
  if (type !== "ObjectEvent" && type !== "TransformationEvent") throw unsupported(`a ${type} is not recorded here`, `${pointer}/type`);
  for (const field of ["epcList", "inputEPCList", "outputEPCList"]) {
    if (Array.isArray(event[field]) && (event[field] as unknown[]).length > 0) {
      throw unsupported(`${field} names single items; the ledger records lots (quantity lists of lot classes)`, `${pointer}/${field}`);
    }
  }
  if (event.sensorElementList !== undefined) throw unsupported("sensor reports are not recorded here", `${pointer}/sensorElementList`);
  if (event.errorDeclaration !== undefined) {
    throw unsupported("an errorDeclaration is made here with a correction (POST /api/v1/batches/{batchId}/events, type correction)", `${pointer}/errorDeclaration`);
  }
  const time = timeOf(event, read);
  const text = (name: string) => {
    const value = read(name);
    return typeof value === "string" ? value : undefined;
  };
  const lists = {
    ...(Array.isArray(event.sourceList) ? { sourceList: event.sourceList as EpcisAnnotation["sourceList"] } : {}),
    ...(Array.isArray(event.destinationList) ? { destinationList: event.destinationList as EpcisAnnotation["destinationList"] } : {}),
  };

  if (type === "TransformationEvent") {
    const inputs = quantities(event.inputQuantityList, `${pointer}/inputQuantityList`);
    const outputs = quantities(event.outputQuantityList, `${pointer}/outputQuantityList`);
    if (inputs.length === 0) throw new Refusal(`${pointer}/inputQuantityList`, "must name the lots processed (the first is the batch recorded on)");
    if (outputs.length === 0) throw new Refusal(`${pointer}/outputQuantityList`, "must name the lots that come out");
    const step = text("step") ?? PROCESSING_OF_BIZ_STEP[cbvShortName(String(event.bizStep ?? ""))] ?? "other";
    const [target, ...others] = inputs;
    const inPlace = outputs.length === 1 && outputs[0].batchId === target.batchId;
    const body: Record<string, unknown> = {
      type: "processing",
      step: (PROCESSING_STEPS as readonly string[]).includes(step) ? step : "other",
      occurredAt: time,
      ...(text("facility") ? { facility: text("facility") } : {}),
      ...(others.length ? { inputs: others.map((o) => o.batchId) } : {}),
      ...(inPlace
        ? {}
        : {
            outputs: outputs.map((o, i) => {
              if (!o.quantity) throw new Refusal(`${pointer}/outputQuantityList/${i}`, "a new lot needs its quantity and uom");
              return { gtin: o.gtin, lot: o.lot, quantity: o.quantity, ...(text("productName") ? { product: { name: text("productName") } } : {}) };
            }),
          }),
      ...(read("quantitiesConfirmed") === true ? { quantitiesConfirmed: true } : {}),
      ...(text("notes") ? { notes: text("notes") } : {}),
    };
    return { request: { type: "event", batchId: target.batchId, body }, annotationExtra: lists, stated: statedOf(inputs) };
  }

  const action = String(event.action);
  const bizStep = event.bizStep === undefined ? undefined : cbvShortName(String(event.bizStep));
  const disposition = event.disposition === undefined ? undefined : cbvShortName(String(event.disposition));
  const [lot, ...more] = quantities(event.quantityList, `${pointer}/quantityList`);
  if (!lot) throw new Refusal(`${pointer}/quantityList`, "must name one lot (its GS1 Digital Link in epcClass)");
  if (more.length) throw new Refusal(`${pointer}/quantityList/1`, "one lot per event: send one event for each lot");

  if (action === "ADD" && bizStep === "commissioning") {
    if (!lot.quantity) throw new Refusal(`${pointer}/quantityList/0`, "a harvest needs its quantity and uom");
    const body = {
      product: { name: text("productName"), gtin: lot.gtin, ...(text("variety") ? { variety: text("variety") } : {}) },
      lot: lot.lot,
      origin: {
        countyCode: text("originCountyCode"),
        ...(text("originCounty") ? { county: text("originCounty") } : {}),
        ...(text("village") ? { village: text("village") } : {}),
        ...(text("base") ? { base: text("base") } : {}),
      },
      quantity: lot.quantity,
      harvestedAt: time,
      ...(text("notes") ? { notes: text("notes") } : {}),
    };
    return { request: { type: "harvest", body }, annotationExtra: lists };
  }
  if (action !== "OBSERVE") throw unsupported(`action ${action} with bizStep ${bizStep ?? "(none)"} is not an event of the ledger`, `${pointer}/action`);
  const quantity = lot.quantity ? { quantity: lot.quantity } : {};
  if (disposition === "recalled") {
    const said = lot.quantity ? { quantity: { quantity: (event.quantityList as Array<{ quantity: number }>)[0].quantity, ...((event.quantityList as Array<{ uom?: string }>)[0].uom ? { uom: (event.quantityList as Array<{ uom: string }>)[0].uom } : {}) } } : {};
    return { request: { type: "event", batchId: lot.batchId, body: { type: "recall", reason: text("reason"), recalledAt: time } }, annotationExtra: { ...lists, ...said } };
  }
  switch (bizStep) {
    case "shipping": {
      const consignee = text("consignee") ?? partyOf(event.destinationList, "destination", mapping, `${pointer}/destinationList`);
      if (!consignee) {
        throw new Refusal(`${pointer}/destinationList`, "must name the organisation the lot goes to: a destination of type owning_party or possessing_party (its GLN or did:pkh), or ledger:consignee");
      }
      const body = {
        type: "shipment",
        consignee,
        ...quantity,
        from: text("from") ?? placeOf(event.sourceList, "source") ?? (isIdObject(event.bizLocation) ? event.bizLocation.id : undefined),
        to: text("to") ?? placeOf(event.destinationList, "destination") ?? consignee,
        ...(text("vehicle") ? { vehicle: text("vehicle") } : {}),
        ...(read("temperature") !== undefined ? { temperature: read("temperature") } : {}),
        shippedAt: time,
        ...(text("notes") ? { notes: text("notes") } : {}),
      };
      return { request: { type: "event", batchId: lot.batchId, body }, annotationExtra: lists };
    }
    case "receiving": {
      const body = {
        type: "receipt",
        location: text("location") ?? (isIdObject(event.bizLocation) ? event.bizLocation.id : undefined),
        receivedAt: time,
        ...(text("condition") ? { condition: text("condition") } : {}),
      };
      return { request: { type: "event", batchId: lot.batchId, body }, annotationExtra: lists, stated: statedOf([lot]) };
    }
    case "retail_selling": {
      if (!lot.quantity) throw new Refusal(`${pointer}/quantityList/0`, "a sale needs its quantity and uom");
      const body = {
        type: "sale",
        ...quantity,
        amountCny: read("amountCny"),
        channel: text("channel") ?? "counter",
        soldAt: time,
        ...(read("priceConfirmed") === true ? { priceConfirmed: true } : {}),
      };
      return { request: { type: "event", batchId: lot.batchId, body }, annotationExtra: lists };
    }
    default:
      throw unsupported(`bizStep ${bizStep ?? "(none)"} is not an event of the ledger`, `${pointer}/bizStep`);
  }
}

/** The event's time as the ledger keeps it: the plain date it stated (ledger:eventDate), else eventTime as written. */
function timeOf(event: Event, read: Reader): string {
  const date = read("eventDate");
  return typeof date === "string" && String(event.eventTime).startsWith(date) ? date : String(event.eventTime);
}

interface LotQuantity {
  batchId: string;
  gtin: string;
  lot: string;
  quantity?: { amount: number; unit: string };
}

function quantities(list: unknown, pointer: string): LotQuantity[] {
  if (list === undefined) return [];
  return (list as Array<{ epcClass: string; quantity?: number; uom?: string }>).map((element, i) => {
    const lot = lotOfClass(element.epcClass, `${pointer}/${i}/epcClass`);
    if (element.quantity === undefined) return lot;
    const unit = element.uom === undefined ? "piece" : UNIT_OF_UOM[element.uom];
    if (!unit) throw new Refusal(`${pointer}/${i}/uom`, `uom ${element.uom} is not a unit of the ledger: use ${Object.keys(UNIT_OF_UOM).join(", ")}, or none for a count`);
    return { ...lot, quantity: { amount: element.quantity, unit } };
  });
}

/** A lot from its class: a GS1 Digital Link (any host) …/01/{gtin}/10/{lot}, or urn:epc:class:lgtin. */
export function lotOfClass(epcClass: string, pointer = ""): Omit<LotQuantity, "quantity"> {
  let gtin: string | undefined;
  let lot: string | undefined;
  const link = /^https?:\/\/[^/]+(?:\/[^?#]*)?\/01\/(\d{14})\/10\/([^/?#]+)$/.exec(epcClass);
  const urn = /^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)$/.exec(epcClass);
  try {
    if (link) {
      gtin = link[1];
      lot = decodeURIComponent(link[2]);
    } else if (urn && urn[1].length + urn[2].length === 13) {
      const body = `${urn[2][0]}${urn[1]}${urn[2].slice(1)}`;
      gtin = `${body}${gtinCheckDigit(body)}`;
      lot = decodeURIComponent(urn[3]);
    }
    if (gtin === undefined || lot === undefined) {
      throw new Refusal(pointer, `${epcClass} is not a lot: name it by its GS1 Digital Link, …/01/{gtin}/10/{lot}`);
    }
    return { batchId: batchIdFor(gtin, lot), gtin, lot };
  } catch (error) {
    if (error instanceof Gs1Error || error instanceof URIError) throw new Refusal(pointer, `${epcClass}: ${error.message}`);
    throw error;
  }
}

/** The organisation a source or destination list names as a party. */
function partyOf(list: unknown, key: "source" | "destination", mapping: CaptureMappingContext, pointer: string): string | undefined {
  for (const entry of (Array.isArray(list) ? list : []) as Array<Record<string, string>>) {
    const type = cbvShortName(entry.type ?? "");
    if (type !== "owning_party" && type !== "possessing_party") continue;
    const uri = entry[key];
    const address = /^did:pkh:eip155:\d+:(0x[0-9a-fA-F]{40})$/.exec(uri)?.[1];
    const org = address ?? mapping.organisationOf(uri);
    if (org) return org;
    throw new Refusal(pointer, `the ${key} party ${uri} is not an organisation of this ledger`);
  }
  return undefined;
}

function placeOf(list: unknown, key: "source" | "destination"): string | undefined {
  for (const entry of (Array.isArray(list) ? list : []) as Array<Record<string, string>>) {
    if (cbvShortName(entry.type ?? "") === "location") return entry[key];
  }
  return undefined;
}

/** Where in an EPCIS event each field of the ledger's write comes from, for the problems' words. */
const SOURCE_OF_FIELD: Record<string, string> = {
  "product.name": "ilmd ledger:productName",
  "product.variety": "ilmd ledger:variety",
  "origin.countyCode": "ilmd ledger:originCountyCode",
  "origin.county": "ilmd ledger:originCounty",
  amountCny: "ledger:amountCny",
  channel: "ledger:channel",
  reason: "ledger:reason",
  from: "sourceList (type location) or ledger:from",
  to: "destinationList (type location) or ledger:to",
  location: "bizLocation or ledger:location",
  harvestedAt: "eventTime",
  shippedAt: "eventTime",
  receivedAt: "eventTime",
  soldAt: "eventTime",
  recalledAt: "eventTime",
  occurredAt: "eventTime",
};

function issuePath(issue: z.core.$ZodIssue): string {
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
  if (!field) return "event";
  return SOURCE_OF_FIELD[field] ? `${SOURCE_OF_FIELD[field]} (${field})` : field;
}

const KG_PER: Record<string, number> = { kg: 1, t: 1000, jin: 0.5 };

/** Whether two quantities are the same amount (weights in any unit; counted units only as themselves); undefined when they cannot be compared. */
export function sameQuantity(a: { amount: number; unit: string }, b: { amount: number; unit: string }): boolean | undefined {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
  if (a.unit === b.unit) return close(a.amount, b.amount);
  if (KG_PER[a.unit] !== undefined && KG_PER[b.unit] !== undefined) return close(a.amount * KG_PER[a.unit], b.amount * KG_PER[b.unit]);
  return undefined;
}

/** The GLN a party or place URI names: a Digital Link …/417/{gln} or …/414/{gln}, or an EPC URN pgln / sgln. */
export function glnOfParty(uri: string): string | undefined {
  const link = /^https?:\/\/[^/]+(?:\/[^?#]*)?\/41[47]\/(\d{13})(?:\/254\/[^/?#]+)?$/.exec(uri);
  if (link) return link[1];
  const urn = /^urn:epc:id:(?:pgln|sgln):(\d{6,12})\.(\d{0,6})(?:\..*)?$/.exec(uri);
  if (!urn || urn[1].length + urn[2].length !== 12) return undefined;
  const body = `${urn[1]}${urn[2]}`;
  return `${body}${gtinCheckDigit(body)}`;
}
