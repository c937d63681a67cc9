/**
 * The kinds of event the ledger records, with the numbers the contract and the signed typed
 * data use. The numbers are part of every signature: never reorder them.
 */
export const EVENT_KINDS = ["harvest", "processing", "shipment", "receipt", "sale", "recall"] as const;
export type EventKindName = (typeof EVENT_KINDS)[number];

export const EventKind = {
  Harvest: 0,
  Processing: 1,
  Shipment: 2,
  Receipt: 3,
  Sale: 4,
  Recall: 5,
} as const;
export type EventKindNumber = (typeof EventKind)[keyof typeof EventKind];

export function eventKindName(kind: number): EventKindName {
  const name = EVENT_KINDS[kind];
  if (name === undefined) throw new RangeError(`unknown event kind ${kind}`);
  return name;
}

/** Roles as the contract names them (keccak256 of the name). */
export const ROLE_NAMES = ["producer", "processor", "certifier", "carrier", "retailer"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** Which roles may sign each kind of event (recall also: an admin, for any batch). */
export const ROLES_FOR_KIND: Record<EventKindName, readonly RoleName[]> = {
  harvest: ["producer"],
  processing: ["processor", "producer"],
  shipment: ["carrier"],
  receipt: ["carrier", "retailer"],
  sale: ["retailer"],
  recall: ["producer", "processor"],
};

export const SubjectKind = { Batch: 0, ProductLine: 1 } as const;
export const CertificationStatus = { None: 0, Valid: 1, Expired: 2, Revoked: 3 } as const;
