/**
 * The kinds of event the ledger records, with the numbers the contract and the signed typed
 * data use. The numbers are part of every signature: never reorder them.
 */
export const EVENT_KINDS = ["harvest", "processing", "shipment", "receipt", "sale", "recall", "correction"] as const;
export type EventKindName = (typeof EVENT_KINDS)[number];

export const EventKind = {
  Harvest: 0,
  Processing: 1,
  Shipment: 2,
  Receipt: 3,
  Sale: 4,
  Recall: 5,
  Correction: 6,
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
/** An organisation's role in the gateway: one of the roles, or the ledger's admin (the programme office's key). */
export type OrgRole = RoleName | "admin";

/** Roles whose organisations hold or move produce: every role but the certifier's. */
export const STOCK_ROLES: readonly RoleName[] = ["producer", "processor", "carrier", "retailer"];

/**
 * Which roles may sign each kind of event, as the contract checks it (recall and correction
 * also: an admin). Which organisation of the role may — the batch's holder, the organisation a
 * shipment goes to — is the rules' check (services/ledger-rules).
 */
export const ROLES_FOR_KIND: Record<EventKindName, readonly RoleName[]> = {
  harvest: ["producer"],
  processing: ["processor", "producer"],
  shipment: STOCK_ROLES,
  receipt: ["processor", "carrier", "retailer"],
  sale: ["retailer"],
  recall: ["producer", "processor"],
  correction: STOCK_ROLES,
};

/** Whether an organisation of this role may sign events of this kind (the admin: see the planner). */
export function roleMayRecord(role: string, kind: EventKindName): boolean {
  return (ROLES_FOR_KIND[kind] as readonly string[]).includes(role);
}

/** When an event says it happened (a plain date or a date-time), by kind: its detail's field. */
export const OCCURRED_AT_FIELD: Partial<Record<EventKindName, string>> = {
  harvest: "harvestedAt",
  processing: "occurredAt",
  shipment: "shippedAt",
  receipt: "receivedAt",
  sale: "soldAt",
  recall: "recalledAt",
};

export const SubjectKind = { Batch: 0, ProductLine: 1 } as const;
export const CertificationStatus = { None: 0, Valid: 1, Expired: 2, Revoked: 3 } as const;
