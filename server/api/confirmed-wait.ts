/**
 * `?wait=confirmed`, the same on every route that writes to the chain: the value is checked
 * before anything is written (any other value is a 400 naming `wait`); the answer then comes
 * once every event of the write is confirmed or failed, and the reads show the confirmed ones
 * (the wait covers the index too: see EventStatuses.waitForSettled), or after at most 60 s; it
 * keeps the write's own status code and carries each event's status.
 */
import { invalidField } from "../domain/errors";
import type { EventStatusView } from "../services/event-status";

export const WAIT_QUERY = {
  wait: {
    description: "`confirmed`: answer once the events are confirmed (and shown by the reads) or failed, at most 60 s",
    schema: { type: "string", enum: ["confirmed"] },
  },
};

export const WAIT_LIMIT_MS = 60_000;

export interface ConfirmedWait {
  eventStatus(eventId: string): EventStatusView | undefined;
  /** Resolves once every event is settled (and the confirmed ones indexed), or the timeout passed. */
  waitForSettled(eventIds: string[], timeoutMs: number): Promise<void>;
}

/** Whether the caller asked to wait; throws a 400 naming `wait` for any other value. Call before writing. */
export function wantsConfirmed(query: Record<string, unknown>): boolean {
  const wait = query.wait;
  if (wait === undefined) return false;
  if (wait !== "confirmed") throw invalidField("wait", "must be confirmed");
  return true;
}

/** The ledger event ids of a write's answer: its `events`, or the one `eventId` (a certification's). */
export function eventIdsOf(body: unknown): string[] {
  const answer = body as { eventId?: unknown; events?: Array<{ eventId?: unknown }> } | null;
  if (Array.isArray(answer?.events)) return answer!.events.map((e) => e.eventId).filter((id): id is string => typeof id === "string");
  return typeof answer?.eventId === "string" ? [answer.eventId] : [];
}

/**
 * After a write's answer: unless the caller waits, the answer as it is; else, once the events
 * settled, the answer with `status` (the first event's) and `events` (each one's status).
 */
export async function answerWhenConfirmed(
  wait: ConfirmedWait,
  waiting: boolean,
  answer: { statusCode: number; body: unknown },
): Promise<{ status: number; body: unknown }> {
  const ids = eventIdsOf(answer.body);
  if (!waiting || ids.length === 0 || answer.statusCode >= 300) return { status: answer.statusCode, body: answer.body };
  await wait.waitForSettled(ids, WAIT_LIMIT_MS);
  return { status: answer.statusCode, body: withStatuses(wait, answer.body, ids) };
}

/** The answer's body with each event's status now. */
export function withStatuses(wait: Pick<ConfirmedWait, "eventStatus">, body: unknown, ids: string[]): Record<string, unknown> {
  const statuses = ids.map((id) => wait.eventStatus(id)).filter((s): s is EventStatusView => s !== undefined);
  return { ...(body as Record<string, unknown>), status: statuses[0]?.status, events: statuses };
}
