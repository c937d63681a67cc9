/**
 * What an organisation shows an auditor to prove a private value: for one of its own events, each
 * private field's value and salt beside the commitment the public detail (hashed on chain) holds.
 * The auditor checks the detail against the chain (the batch's verify), then each opening with
 * domain/commitments.ts verifyOpening — trusting neither the organisation nor this gateway.
 */
import { notFound } from "../domain/errors";
import type { PrivateValue } from "../domain/private-fields";
import type { Org } from "../store/org-repository";

export const COMMITMENT_FORM = 'keccak256(UTF-8(RFC 8785 canonical JSON of {"salt": salt, "value": value}))';

export interface PrivateFieldSources {
  /** The accepted event with this id: who wrote it and its data hash. */
  event(eventId: string): { orgId: string; batchId: string; dataHash: string } | undefined;
  /** The public detail kept under a data hash. */
  detail(dataHash: string): string | undefined;
  valuesOf(dataHash: string): PrivateValue[];
}

export interface PrivateFieldProof {
  field: string;
  value: unknown;
  /** null: a value published in the clear before commitments (it is in the public detail itself). */
  salt: string | null;
  /** The commitment the public detail holds for this field (null for a value published in the clear). */
  commitment: string | null;
}

export class PrivateFieldProofs {
  constructor(private readonly sources: PrivateFieldSources) {}

  /** The openings of the event's private fields; only the organisation that wrote it may ask (else 404, as for no event). */
  of(org: Org, eventId: string) {
    const event = this.sources.event(eventId);
    if (!event || event.orgId !== org.id) throw notFound(`no event ${eventId} of this organisation`, "eventId");
    const text = this.sources.detail(event.dataHash);
    const detail = text === undefined ? {} : (JSON.parse(text) as Record<string, unknown>);
    const fields: PrivateFieldProof[] = this.sources.valuesOf(event.dataHash).map(({ path, value, salt }) => ({
      field: path,
      value,
      salt,
      commitment: salt === null ? null : committedAt(detail, path) ?? null,
    }));
    return { eventId, batchId: event.batchId, dataHash: event.dataHash, form: COMMITMENT_FORM, fields };
  }
}

/** The commitment the public detail holds for `path` ("amountCny", "replacement.amountCny"). */
function committedAt(detail: Record<string, unknown>, path: string): string | undefined {
  const parts = path.split(".");
  const field = parts.pop()!;
  let holder: unknown = detail;
  for (const part of parts) holder = (holder as Record<string, unknown> | undefined)?.[part];
  const committed = (holder as { committed?: Record<string, unknown> } | undefined)?.committed;
  const commitment = committed?.[field];
  return typeof commitment === "string" ? commitment : undefined;
}
