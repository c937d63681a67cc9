/**
 * EPCIS 2.0 query subscriptions of the simple event query, as GS1's REST binding has them
 * (POST /queries/{queryName}/subscriptions): a partner names its receiver (`dest`) and a secret
 * of its own (`signatureToken`), asks for a stream of the events its query matches (`stream`
 * true; scheduled subscriptions are not offered), and from then on every event the projection
 * gains that matches is delivered to it, signed (workers/epcis-webhooks.ts). Without
 * `initialRecordTime` the stream starts after the events projected by then; with it, it starts
 * with every event recorded on chain at or after that time.
 *
 * The query's parameters are the simple event query's: in the URL's query string as a GET of
 * /epcis/events takes them (EQ_bizStep=shipping,receiving), or in the body's `query` object as
 * GS1's query schema writes them ({"EQ_bizStep": ["shipping", "receiving"]}), or both, a
 * parameter in one place only.
 */
import { randomUUID } from "node:crypto";
import type { Org } from "../../store/org-repository";
import type { EpcisSubscriptionRepository, SubscriptionRow } from "../../store/epcis-subscription-repository";
import type { EpcisEventStore, EpcisFilter } from "../../store/epcis-events";
import type { EpcisProjector } from "./epcis-projector";
import { EpcisProblem } from "./epcis-problems";
import { SIMPLE_EVENT_QUERY } from "./epcis-documents";
import { parseEpcisQuery } from "./query-params";
import { destProblem, type TokenSeal } from "./webhook-delivery";

/** Logs projected before a subscription takes its starting point. */
const PROJECTION_SLICE = 500;

/** Subscriptions an organisation may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_ORG = 10;

/** What a subscription request holds (its shape checked by the route's schema). */
export interface SubscriptionRequest {
  dest: string;
  signatureToken: string;
  stream?: boolean;
  reportIfEmpty?: boolean;
  initialRecordTime?: string;
  schedule?: Record<string, unknown>;
  query?: Record<string, string | string[]>;
}

/** A subscription as its organisation sees it: never its signatureToken. */
export interface SubscriptionView {
  subscriptionID: string;
  queryName: string;
  dest: string;
  stream: true;
  reportIfEmpty: false;
  createdAt: string;
  initialRecordTime?: string;
  lastNotifiedAt?: string;
  /** The simple event query's parameters it was made with. */
  query: Record<string, string>;
  /** Where its deliveries stand: failures since the receiver last answered 2xx, and when the next try is. */
  delivery: { failures: number; nextAttemptAt?: string; lastError?: string; lastErrorAt?: string };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const refuse = (field: string, message: string) => new EpcisProblem("ValidationException", 400, `${field} ${message}`, field);

export class EpcisSubscriptions {
  constructor(
    private readonly deps: {
      subscriptions: EpcisSubscriptionRepository;
      store: EpcisEventStore;
      projector: EpcisProjector;
      seal: TokenSeal;
      maxPerOrg?: number;
    },
  ) {}

  /** Checks and stores a subscription of `org`; answers it as its organisation sees it. Nothing is stored when a field is refused. */
  create(org: Org, request: SubscriptionRequest, urlQuery: Record<string, unknown>): SubscriptionView {
    if (request.schedule !== undefined) {
      throw refuse("schedule", "is not offered: this gateway streams each matching event as it is recorded (subscribe with stream true)");
    }
    if (request.stream !== true) throw refuse("stream", "must be true: a subscription streams each matching event as it is recorded");
    if (request.reportIfEmpty === true) throw refuse("reportIfEmpty", "applies to scheduled subscriptions, which are not offered: a stream reports only when events match");
    const destFault = destProblem(request.dest);
    if (destFault) throw refuse("dest", destFault);
    if (request.signatureToken.length < 16 || request.signatureToken.length > 256 || /[\u0000-\u001f\u007f]/.test(request.signatureToken)) {
      throw refuse("signatureToken", "must be 16 to 256 characters, without control characters: the secret each delivery's GS1-Signature is made with");
    }
    let initialRecordTime: number | null = null;
    if (request.initialRecordTime !== undefined) {
      initialRecordTime = DATE_TIME.test(request.initialRecordTime) ? Date.parse(request.initialRecordTime) : NaN;
      if (Number.isNaN(initialRecordTime)) throw refuse("initialRecordTime", "must be a date-time with its offset, e.g. 2026-07-15T00:00:00+08:00");
    }
    const query = queryParameters(urlQuery, request.query ?? {});
    parseEpcisQuery(query, false); // refuses an unknown parameter or value, naming it

    const maxPerOrg = this.deps.maxPerOrg ?? MAX_SUBSCRIPTIONS_PER_ORG;
    const id = randomUUID();
    // The stream starts after what is projected now: the index's last moments projected first
    // (a short slice; a long backlog, left to the background projection, will be streamed).
    if (initialRecordTime === null) this.deps.projector.catchUp(PROJECTION_SLICE);
    const stored = this.deps.subscriptions.create(
      {
        id,
        orgId: org.id,
        queryName: SIMPLE_EVENT_QUERY,
        dest: request.dest,
        tokenSealed: this.deps.seal.seal(id, request.signatureToken),
        query,
        initialRecordTime,
        createdAt: new Date().toISOString(),
      },
      maxPerOrg,
      () => (initialRecordTime === null ? this.deps.store.lastSeq() : 0),
    );
    if (!stored) {
      throw new EpcisProblem("ValidationException", 409, `an organisation holds at most ${maxPerOrg} subscriptions: delete one first`);
    }
    return viewOf(this.deps.subscriptions.get(org.id, id)!);
  }

  list(org: Org): SubscriptionView[] {
    return this.deps.subscriptions.ofOrg(org.id).map(viewOf);
  }

  /** One of the organisation's subscriptions; another's is as unknown as one that never was. */
  get(org: Org, id: string): SubscriptionView {
    const row = this.deps.subscriptions.get(org.id, id);
    if (!row) throw noSuchSubscription(id);
    return viewOf(row);
  }

  remove(org: Org, id: string): void {
    if (!this.deps.subscriptions.delete(org.id, id)) throw noSuchSubscription(id);
  }
}

function noSuchSubscription(id: string): EpcisProblem {
  return new EpcisProblem("NoSuchResourceException", 404, `no subscription ${id} of this organisation`, "subscriptionID");
}

/**
 * The query's parameters as the simple event query reads them (strings, lists comma-separated),
 * from the URL's query string and the body's `query` object; a parameter given in both is refused.
 */
function queryParameters(urlQuery: Record<string, unknown>, bodyQuery: Record<string, string | string[]>): Record<string, string> {
  const merged: Record<string, unknown> = { ...urlQuery };
  for (const [name, value] of Object.entries(bodyQuery)) {
    if (name in merged) throw new EpcisProblem("QueryParameterException", 400, `${name} is given both in the query string and in the body's query`, name);
    if (Array.isArray(value)) {
      if (value.length === 0 || value.some((item) => item.trim() === "" || item.includes(","))) {
        throw new EpcisProblem("QueryParameterException", 400, `${name} must list values, none empty or with a comma`, name);
      }
      merged[name] = value.join(",");
    } else {
      merged[name] = value;
    }
  }
  for (const [name, value] of Object.entries(merged)) {
    if (typeof value !== "string") throw new EpcisProblem("QueryParameterException", 400, `${name} must be given once, with a value`, name);
  }
  return merged as Record<string, string>;
}

/** The filter a subscription's deliveries apply: its query, from its initialRecordTime on where it has one. */
export function subscriptionFilter(row: Pick<SubscriptionRow, "query" | "initialRecordTime">): EpcisFilter {
  const { filter } = parseEpcisQuery(row.query, false);
  if (row.initialRecordTime !== null) filter.recordTimeFrom = Math.max(filter.recordTimeFrom ?? row.initialRecordTime, row.initialRecordTime);
  return filter;
}

function viewOf(row: SubscriptionRow): SubscriptionView {
  return {
    subscriptionID: row.id,
    queryName: row.queryName,
    dest: row.dest,
    stream: true,
    reportIfEmpty: false,
    createdAt: row.createdAt,
    ...(row.initialRecordTime !== null ? { initialRecordTime: new Date(row.initialRecordTime).toISOString() } : {}),
    ...(row.lastNotifiedAt ? { lastNotifiedAt: row.lastNotifiedAt } : {}),
    query: row.query,
    delivery: {
      failures: row.failures,
      ...(row.failures > 0 ? { nextAttemptAt: new Date(row.nextAttemptAt).toISOString() } : {}),
      ...(row.lastError ? { lastError: row.lastError, lastErrorAt: row.lastErrorAt ?? undefined } : {}),
    },
  };
}
