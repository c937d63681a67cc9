/**
 * A ledger event as an EPCIS 2.0 event: the same public detail, told in CBV 2.0. Pure: the
 * caller hands in the detail (the canonical JSON the chain holds the hash of) and where the chain
 * recorded it. Each event carries that proof under the ledger's namespace; an event captured
 * through EPCIS also carries the identifiers it was captured with (its eventID, locations,
 * sources and destinations), kept in its detail as `epcis`, so that it reads back as it came in.
 *
 * The eventID is the caller's: the projector stamps the CBV 2.0 event hash on what this returns.
 */
import { digitalLinkUri } from "../digital-link";
import { OCCURRED_AT_FIELD, type EventKindName } from "../event-kinds";
import { parseBatchId } from "../gs1";
import { isPlainDate } from "../china-dates";
import { BIZ_STEP_OF_PROCESSING, CBV_OF_KIND, ledgerTerm, UOM_OF_UNIT } from "./vocabulary";

export type EpcisEvent = Record<string, unknown>;

/** Where the chain recorded a ledger log, and what the gateway serves it under. */
export interface ChainFacts {
  chainId: number;
  contract: string;
  transactionHash: string;
  blockNumber: number;
  logIndex: number;
  dataHash: string;
  signer: string;
  /** The block's time, unix seconds: the event's recordTime. */
  blockTime: number;
}

export interface ProjectionSettings {
  /** The gateway's public base URL: the Digital Link of each lot is on it. */
  publicBaseUrl: string;
}

/** What an event captured through EPCIS kept of its own identifiers (its detail's `epcis`). */
export interface EpcisAnnotation {
  eventID: string;
  eventTimeZoneOffset?: string;
  bizLocation?: string;
  readPoint?: string;
  sourceList?: Array<{ type: string; source: string }>;
  destinationList?: Array<{ type: string; destination: string }>;
  /** bizStep and disposition as sent, where the ledger's own words for the event would differ. */
  bizStep?: string;
  disposition?: string;
  bizTransactionList?: Array<{ type?: string; bizTransaction: string }>;
  /** A recall's quantity as sent (the ledger recalls the whole lot). */
  quantity?: { quantity: number; uom?: string };
}

type Detail = Record<string, unknown>;
type Quantity = { amount: number; unit: string };

/** The GS1 Digital Link of a lot, from the ledger's batch id. */
export function lotClass(settings: ProjectionSettings, batchId: string): string {
  const { gtin, lot } = parseBatchId(batchId);
  return digitalLinkUri(settings.publicBaseUrl, gtin, lot);
}

/** An organisation as a party or a place: its GLN where it has one, else its chain account (CAIP-10 as a did:pkh). */
export function partyId(chainId: number, org: { address?: unknown; gln?: unknown } | undefined): string | undefined {
  if (!org) return undefined;
  if (typeof org.gln === "string" && /^\d{13}$/.test(org.gln)) return `https://id.gs1.org/417/${org.gln}`;
  return typeof org.address === "string" ? `did:pkh:eip155:${chainId}:${org.address}` : undefined;
}

export function locationId(chainId: number, org: { address?: unknown; gln?: unknown } | undefined): string | undefined {
  if (org && typeof org.gln === "string" && /^\d{13}$/.test(org.gln)) return `https://id.gs1.org/414/${org.gln}`;
  return partyId(chainId, org);
}

/** A quantity element: the lot's class, the amount in UN/ECE units. */
export function quantityElement(settings: ProjectionSettings, batchId: string, quantity: Quantity | undefined): Record<string, unknown> {
  const element: Record<string, unknown> = { epcClass: lotClass(settings, batchId) };
  const unit = quantity && UOM_OF_UNIT[quantity.unit];
  if (quantity && unit) {
    element.quantity = round(quantity.amount * unit.factor);
    element.uom = unit.uom;
  }
  return element;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** eventTime and its offset from a detail's instant: a plain date is its China midnight, and stays a date in `ledger:eventDate`. */
export function eventTimeOf(instant: string, annotation?: EpcisAnnotation): Record<string, unknown> {
  if (isPlainDate(instant)) {
    return { eventTime: `${instant}T00:00:00.000+08:00`, eventTimeZoneOffset: annotation?.eventTimeZoneOffset ?? "+08:00", [ledgerTerm("eventDate")]: instant };
  }
  const offset = /([+-]\d{2}:\d{2})$/.exec(instant)?.[1] ?? "+00:00";
  return { eventTime: instant, eventTimeZoneOffset: annotation?.eventTimeZoneOffset ?? offset };
}

/** The ledger's proof of a log, under its namespace. */
export function proofOf(chain: ChainFacts): Record<string, unknown> {
  return {
    [ledgerTerm("proof")]: {
      [ledgerTerm("chainId")]: chain.chainId,
      [ledgerTerm("contract")]: chain.contract,
      [ledgerTerm("transactionHash")]: chain.transactionHash,
      [ledgerTerm("blockNumber")]: chain.blockNumber,
      [ledgerTerm("logIndex")]: chain.logIndex,
      [ledgerTerm("dataHash")]: chain.dataHash,
      [ledgerTerm("signer")]: chain.signer,
    },
  };
}

/**
 * A ledger event (not a correction: see projectCorrection) as an EPCIS event without its
 * eventID. `batchId` is the batch the log names; `inputs` the other batches a processing names.
 */
export function projectLedgerEvent(
  kind: Exclude<EventKindName, "correction">,
  batchId: string,
  inputs: readonly string[],
  detail: Detail,
  chain: ChainFacts,
  settings: ProjectionSettings,
): EpcisEvent {
  const event = ledgerEventAsEpcis(kind, batchId, inputs, detail, chain, settings);
  const annotation = detail.epcis as EpcisAnnotation | undefined;
  if (!annotation) return event;
  // What a captured event said in its own words reads back as it was sent.
  return {
    ...event,
    ...(annotation.bizStep ? { bizStep: annotation.bizStep } : {}),
    ...(annotation.disposition ? { disposition: annotation.disposition } : {}),
    ...(annotation.bizTransactionList ? { bizTransactionList: annotation.bizTransactionList } : {}),
  };
}

function ledgerEventAsEpcis(
  kind: Exclude<EventKindName, "correction">,
  batchId: string,
  inputs: readonly string[],
  detail: Detail,
  chain: ChainFacts,
  settings: ProjectionSettings,
): EpcisEvent {
  const annotation = detail.epcis as EpcisAnnotation | undefined;
  const org = detail.org as { address?: string; gln?: string; name?: string } | undefined;
  const here = locationId(chain.chainId, org);
  const instant = String(detail[OCCURRED_AT_FIELD[kind] ?? ""] ?? new Date(chain.blockTime * 1000).toISOString());
  const common: EpcisEvent = {
    ...eventTimeOf(instant, annotation),
    recordTime: new Date(chain.blockTime * 1000).toISOString(),
  };
  const places = {
    ...(annotation?.readPoint ? { readPoint: { id: annotation.readPoint } } : {}),
    bizLocation: { id: annotation?.bizLocation ?? here },
  };
  const extensions: EpcisEvent = { [ledgerTerm("eventKind")]: kind, ...textFields(detail, kind), ...proofOf(chain) };
  const quantity = detail.quantity as Quantity | undefined;

  switch (kind) {
    case "harvest": {
      const product = (detail.product ?? {}) as { name?: string; variety?: string; gtin?: string };
      const origin = (detail.origin ?? {}) as { countyCode?: string; county?: string; village?: string; base?: string };
      const ilmd: Record<string, unknown> = {
        "cbvmda:countryOfOrigin": "CN",
        [ledgerTerm("productName")]: product.name,
        ...(product.variety ? { [ledgerTerm("variety")]: product.variety } : {}),
        [ledgerTerm("harvestDate")]: instant,
        [ledgerTerm("originCountyCode")]: origin.countyCode,
        ...(origin.county ? { [ledgerTerm("originCounty")]: origin.county } : {}),
        ...(origin.village ? { [ledgerTerm("village")]: origin.village } : {}),
        ...(origin.base ? { [ledgerTerm("base")]: origin.base } : {}),
      };
      return {
        type: "ObjectEvent",
        ...common,
        action: "ADD",
        quantityList: [quantityElement(settings, batchId, quantity)],
        bizStep: CBV_OF_KIND.harvest.bizStep,
        disposition: CBV_OF_KIND.harvest.disposition,
        ...places,
        ...withLists(annotation),
        ilmd,
        ...extensions,
      };
    }
    case "processing": {
      // A split's new lot: what it is, as the processor named it.
      const product = (detail.output as { product?: { name?: string; variety?: string } } | undefined)?.product;
      return {
        type: "TransformationEvent",
        ...common,
        ...transformationLists(detail, batchId, inputs, settings),
        bizStep: BIZ_STEP_OF_PROCESSING[String(detail.step)] ?? "other",
        ...places,
        ...withLists(annotation),
        ...(product?.name
          ? { ilmd: { [ledgerTerm("productName")]: product.name, ...(product.variety ? { [ledgerTerm("variety")]: product.variety } : {}) } }
          : {}),
        ...extensions,
      };
    }
    case "shipment": {
      const consignee = detail.consignee as { address?: string; gln?: string } | undefined;
      return {
        type: "ObjectEvent",
        ...common,
        action: "OBSERVE",
        quantityList: [quantityElement(settings, batchId, quantity)],
        bizStep: CBV_OF_KIND.shipment.bizStep,
        disposition: CBV_OF_KIND.shipment.disposition,
        ...places,
        sourceList: annotation?.sourceList ?? [{ type: "possessing_party", source: partyId(chain.chainId, org) }],
        destinationList: annotation?.destinationList ?? [{ type: "possessing_party", destination: partyId(chain.chainId, consignee) }],
        ...extensions,
      };
    }
    case "receipt":
    case "sale":
      return {
        type: "ObjectEvent",
        ...common,
        action: "OBSERVE",
        quantityList: [quantityElement(settings, batchId, quantity)],
        bizStep: CBV_OF_KIND[kind].bizStep,
        disposition: CBV_OF_KIND[kind].disposition,
        ...places,
        ...withLists(annotation),
        ...extensions,
      };
    case "recall":
      return {
        type: "ObjectEvent",
        ...common,
        action: "OBSERVE",
        quantityList: [{ ...quantityElement(settings, batchId, undefined), ...(annotation?.quantity ?? {}) }],
        disposition: CBV_OF_KIND.recall.disposition,
        ...places,
        ...withLists(annotation),
        ...extensions,
      };
  }
}

function withLists(annotation: EpcisAnnotation | undefined): EpcisEvent {
  return {
    ...(annotation?.sourceList ? { sourceList: annotation.sourceList } : {}),
    ...(annotation?.destinationList ? { destinationList: annotation.destinationList } : {}),
  };
}

/**
 * Inputs → outputs. In place or a merge: the batch and the batches merged into it go in (what
 * each gave, `consumed`), the batch comes out. A split: each new batch is its own event, the
 * inputs it took from going in and the new batch, with its quantity, coming out.
 */
function transformationLists(detail: Detail, batchId: string, inputs: readonly string[], settings: ProjectionSettings): EpcisEvent {
  const consumed = (detail.consumed ?? []) as Array<{ batchId: string; quantity: Quantity }>;
  const given = (id: string) => consumed.find((c) => c.batchId.toLowerCase() === id.toLowerCase())?.quantity;
  const output = detail.output as { quantity?: Quantity } | undefined;
  if (output) {
    return {
      inputQuantityList: inputs.map((id) => quantityElement(settings, id, given(id))),
      outputQuantityList: [quantityElement(settings, batchId, output.quantity)],
    };
  }
  return {
    inputQuantityList: [batchId, ...inputs].map((id) => quantityElement(settings, id, given(id))),
    outputQuantityList: [quantityElement(settings, batchId, undefined)],
  };
}

/** The detail's own words (no identifiers, no private commitments) under the ledger's namespace. */
function textFields(detail: Detail, kind: string): EpcisEvent {
  const fields: EpcisEvent = {};
  const put = (name: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") fields[ledgerTerm(name)] = value;
  };
  put("organisation", (detail.org as { name?: string } | undefined)?.name);
  put("notes", detail.notes);
  if (kind === "processing") {
    put("step", detail.step);
    put("facility", detail.facility);
  }
  if (kind === "shipment") {
    put("from", detail.from);
    put("to", detail.to);
    put("vehicle", detail.vehicle);
    put("temperature", detail.temperature);
  }
  if (kind === "receipt") {
    put("location", detail.location);
    put("condition", detail.condition);
  }
  if (kind === "sale") put("channel", detail.channel);
  if (kind === "recall") put("reason", detail.reason);
  return fields;
}

/** A 圳品 certification: the lot (or the product line, all lots of its GTIN) inspected and found conformant. */
export function projectCertification(
  detail: Detail,
  subject: { batchId?: string; gtin: string },
  chain: ChainFacts,
  settings: ProjectionSettings,
): EpcisEvent {
  const org = detail.org as { address?: string; gln?: string; name?: string } | undefined;
  const epcClass = subject.batchId ? lotClass(settings, subject.batchId) : `${settings.publicBaseUrl.replace(/\/+$/, "")}/01/${subject.gtin}`;
  return {
    type: "ObjectEvent",
    ...eventTimeOf(String(detail.validFrom)),
    recordTime: new Date(chain.blockTime * 1000).toISOString(),
    certificationInfo: `${settings.publicBaseUrl.replace(/\/+$/, "")}/api/v1/details/${chain.dataHash}`,
    action: "OBSERVE",
    quantityList: [{ epcClass }],
    bizStep: CBV_OF_KIND.certification.bizStep,
    disposition: CBV_OF_KIND.certification.disposition,
    bizLocation: { id: locationId(chain.chainId, org) },
    [ledgerTerm("eventKind")]: "certification",
    [ledgerTerm("certification")]: {
      [ledgerTerm("scheme")]: detail.scheme,
      [ledgerTerm("certificateNo")]: detail.certificateNo,
      [ledgerTerm("validFrom")]: detail.validFrom,
      [ledgerTerm("validUntil")]: detail.validUntil,
      ...(detail.notes ? { [ledgerTerm("notes")]: detail.notes } : {}),
    },
    [ledgerTerm("organisation")]: org?.name,
    ...proofOf(chain),
  };
}

/**
 * A correction, EPCIS's way: the corrected event again, with an errorDeclaration (void: it did
 * not occur; supersede: incorrect data, with the corrective event's id). `corrected` is the
 * event as the gateway serves it; the corrective event of a supersede is projected by the caller
 * from the replacement's facts.
 */
export function declareError(corrected: EpcisEvent, detail: Detail, chain: ChainFacts, correctiveEventId?: string): EpcisEvent {
  const { recordTime: _recordTime, ...same } = corrected;
  return {
    ...same,
    recordTime: new Date(chain.blockTime * 1000).toISOString(),
    errorDeclaration: {
      declarationTime: String(detail.recordedAt ?? new Date(chain.blockTime * 1000).toISOString()),
      reason: detail.declaration === "void" ? "did_not_occur" : "incorrect_data",
      ...(correctiveEventId ? { correctiveEventIDs: [correctiveEventId] } : {}),
      [ledgerTerm("reason")]: detail.reason,
      [ledgerTerm("correction")]: proofOf(chain)[ledgerTerm("proof")],
    },
  };
}
