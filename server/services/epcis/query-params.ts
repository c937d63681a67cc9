/**
 * The EPCIS 2.0 simple event query's parameters, as the REST binding takes them in the query
 * string, checked and turned into the projection's filter. A parameter the query does not know,
 * or a value it cannot read, is a QueryParameterException naming it: a partner's typo must not
 * silently widen its query.
 */
import { lotOfClass } from "../../domain/epcis/capture-mapping";
import { cbvShortName } from "../../domain/epcis/vocabulary";
import type { EpcisFilter } from "../../store/epcis-events";
import { EpcisProblem } from "./epcis-problems";

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 500;

/** The parameters a query (and a subscription) takes, with what each does: OpenAPI lists them. */
export const QUERY_PARAMETERS: Record<string, string> = {
  eventType: "ObjectEvent or TransformationEvent (comma-separated for either)",
  EQ_bizStep: "CBV bizStep(s), short (shipping) or full form, comma-separated",
  EQ_disposition: "CBV disposition(s), comma-separated",
  GE_eventTime: "events at or after this date-time",
  LT_eventTime: "events before this date-time",
  GE_recordTime: "events recorded on chain at or after this date-time",
  LT_recordTime: "events recorded on chain before this date-time",
  MATCH_epcClass: "lots by GS1 Digital Link (…/01/{gtin}/10/{lot}, any host), or a product line …/01/{gtin}; comma-separated",
  MATCH_epc: "single items (EPCs): the ledger records lots, so this matches no event",
  MATCH_anyEPC: "single items in any EPC field: the ledger records lots, so this matches no event",
  EQ_bizLocation: "bizLocation id(s), comma-separated",
  EQ_readPoint: "readPoint id(s), comma-separated",
};
const PAGING = new Set(["perPage", "nextPageToken"]);

export interface ParsedQuery {
  filter: EpcisFilter;
  perPage: number;
  afterSeq: number;
}

/** The filter of a query string's parameters (paging parameters allowed only where `paging`). */
export function parseEpcisQuery(query: Record<string, unknown>, paging = true): ParsedQuery {
  for (const name of Object.keys(query)) {
    if (!(name in QUERY_PARAMETERS) && !(paging && PAGING.has(name))) {
      throw new EpcisProblem("QueryParameterException", 400, `${name} is not a parameter of the simple event query`, name);
    }
  }
  const list = (name: string): string[] | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.trim() === "") throw new EpcisProblem("QueryParameterException", 400, `${name} must be given once, with a value`, name);
    return value.split(",").map((v) => v.trim()).filter(Boolean);
  };
  const time = (name: string): number | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    const ms = typeof value === "string" && /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new EpcisProblem("QueryParameterException", 400, `${name} must be a date-time with its offset, e.g. 2026-07-15T00:00:00+08:00`, name);
    return ms;
  };
  const eventTypes = list("eventType");
  for (const type of eventTypes ?? []) {
    if (type !== "ObjectEvent" && type !== "TransformationEvent" && !["AggregationEvent", "TransactionEvent", "AssociationEvent"].includes(type)) {
      throw new EpcisProblem("QueryParameterException", 400, `eventType ${type} is not an EPCIS event type`, "eventType");
    }
  }
  const classes = list("MATCH_epcClass")?.map((value) => classKey(value));
  const filter: EpcisFilter = {
    eventTypes,
    bizSteps: list("EQ_bizStep")?.map(cbvShortName),
    dispositions: list("EQ_disposition")?.map(cbvShortName),
    eventTimeFrom: time("GE_eventTime"),
    eventTimeBefore: time("LT_eventTime"),
    recordTimeFrom: time("GE_recordTime"),
    recordTimeBefore: time("LT_recordTime"),
    classes,
    matchesNoEpc: list("MATCH_epc") !== undefined || list("MATCH_anyEPC") !== undefined,
    bizLocations: list("EQ_bizLocation"),
    readPoints: list("EQ_readPoint"),
  };
  let perPage = DEFAULT_PER_PAGE;
  if (query.perPage !== undefined) {
    perPage = typeof query.perPage === "string" && /^\d{1,4}$/.test(query.perPage) ? Number(query.perPage) : NaN;
    if (!(perPage >= 1 && perPage <= MAX_PER_PAGE)) throw new EpcisProblem("QueryParameterException", 400, `perPage must be an integer from 1 to ${MAX_PER_PAGE}`, "perPage");
  }
  const afterSeq = query.nextPageToken === undefined ? 0 : pageTokenSeq(query.nextPageToken);
  return { filter, perPage, afterSeq };
}

/** A lot's or a product line's key in the projection: "01/{gtin}/10/{lot}" or "01/{gtin}". */
export function classKey(epcClass: string): string {
  const line = /^https?:\/\/[^/]+(?:\/[^?#]*)?\/01\/(\d{14})\/?$/.exec(epcClass);
  if (line) return `01/${line[1]}`;
  try {
    const { gtin, lot } = lotOfClass(epcClass);
    return `01/${gtin}/10/${lot}`;
  } catch {
    throw new EpcisProblem("QueryParameterException", 400, `MATCH_epcClass ${epcClass} is not a lot's or a product line's GS1 Digital Link`, "MATCH_epcClass");
  }
}

/** nextPageToken: the last seq of the page, base64url, so that a client treats it as opaque. */
export function pageToken(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

function pageTokenSeq(token: unknown): number {
  const text = typeof token === "string" ? Buffer.from(token, "base64url").toString("utf8") : "";
  const match = /^seq:(\d{1,15})$/.exec(text);
  if (!match) throw new EpcisProblem("QueryParameterException", 400, "nextPageToken is not a token this server gave", "nextPageToken");
  return Number(match[1]);
}
