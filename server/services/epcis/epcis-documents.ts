/**
 * The documents EPCIS answers in: an EPCISQueryDocument of events (a query's page, a
 * subscription's delivery), an EPCISDocument (a batch's journey), and one event on its own, each
 * with GS1's context and the ledger's namespace declared.
 */
import { DOCUMENT_CONTEXT, EPCIS_SCHEMA_VERSION } from "../../domain/epcis/vocabulary";

/** The name of the query every page answers: EPCIS's simple event query. */
export const SIMPLE_EVENT_QUERY = "SimpleEventQuery";

/** Stored events (JSON text, as the projection keeps them) as a list. */
export function eventList(events: ReadonlyArray<{ event: string }>): unknown[] {
  return events.map((e) => JSON.parse(e.event) as unknown);
}

export function queryDocument(events: ReadonlyArray<{ event: string }>, options: { subscriptionID?: string; queryName?: string } = {}) {
  return {
    "@context": DOCUMENT_CONTEXT,
    type: "EPCISQueryDocument",
    schemaVersion: EPCIS_SCHEMA_VERSION,
    creationDate: new Date().toISOString(),
    epcisBody: {
      queryResults: {
        queryName: options.queryName ?? SIMPLE_EVENT_QUERY,
        ...(options.subscriptionID ? { subscriptionID: options.subscriptionID } : {}),
        resultsBody: { eventList: eventList(events) },
      },
    },
  };
}

export function epcisDocument(events: ReadonlyArray<{ event: string }>) {
  return {
    "@context": DOCUMENT_CONTEXT,
    type: "EPCISDocument",
    schemaVersion: EPCIS_SCHEMA_VERSION,
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: eventList(events) },
  };
}

/** One event served on its own: it carries the context itself. */
export function singleEvent(stored: { event: string }) {
  return { "@context": DOCUMENT_CONTEXT, ...(JSON.parse(stored.event) as object) };
}
