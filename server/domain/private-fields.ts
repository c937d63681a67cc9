/**
 * Private fields of a detail: taken out of the public detail (hashed on chain, kept in
 * event_details, served to anyone) and replaced by salted commitments (commitments.ts), their
 * values and salts kept by the owner's gateway alone.
 *
 * A public detail names them under `committed`, e.g.
 *   {"type": "sale", "quantity": {…}, "committed": {"amountCny": "0x<commitment>"}, …}
 * A sale's `amountCny` and a shipment's `vehicle` (a licence plate: personal data, which no page
 * shows) are always private; so is every field the writer lists in `private`. A
 * correction's `replacement` is sealed the same way, its values kept under "replacement.<field>".
 * Fields the ledger's rules, every page or the programme's figures read stay public: naming one
 * in `private` is refused.
 */
import { DomainError } from "./errors";
import { commitmentOf, newSalt } from "./commitments";

/** A private value as the owner's gateway keeps it; `salt` is null for a value published in the clear before commitments. */
export interface PrivateValue {
  /** The field: "amountCny", or "replacement.amountCny" inside a correction. */
  path: string;
  value: unknown;
  salt: string | null;
}

/**
 * Fields of a detail that only its own organisation reads, whatever the detail says: what no
 * public page shows and may be personal or commercial (a plate names a vehicle and so its keeper).
 */
export const ALWAYS_PRIVATE: Readonly<Record<string, readonly string[]>> = { sale: ["amountCny"], shipment: ["vehicle"] };

/** What the ledger's rules, the pages and the figures need in the clear: never private. */
const PUBLIC_FIELDS = new Set([
  "v", "org", "recordedAt", "type", "batch", "private", "committed",
  "product", "lot", "origin", "quantity", "conversion", "output", "outputs", "inputs", "consumed", "quantitiesConfirmed",
  "consignee", "channel", "step", "reason",
  "harvestedAt", "occurredAt", "shippedAt", "receivedAt", "soldAt", "recalledAt",
  "corrects", "correctsKind", "correctsEventId", "declaration", "replacement",
]);

export interface SealedDetail {
  /** The public detail: private values replaced by their commitments. */
  detail: Record<string, unknown>;
  /** The values and salts, for the owner's gateway alone. */
  values: PrivateValue[];
}

/** Takes the private fields out of `detail`, committing to each with a fresh salt. */
export function sealPrivateFields(detail: Record<string, unknown>, salt: () => string = newSalt): SealedDetail {
  const values: PrivateValue[] = [];
  return { detail: seal(detail, "", values, salt), values };
}

function seal(detail: Record<string, unknown>, prefix: string, values: PrivateValue[], salt: () => string): Record<string, unknown> {
  const named = Array.isArray(detail.private) ? detail.private.filter((name): name is string => typeof name === "string") : [];
  for (const name of named) checkMayBePrivate(name, `${prefix}private`);
  const names = new Set([...(ALWAYS_PRIVATE[String(detail.type)] ?? []), ...named]);
  const sealed: Record<string, unknown> = { ...detail };
  const committed: Record<string, string> = {};
  for (const name of names) {
    const value = sealed[name];
    if (value === undefined) continue;
    const opening = { salt: salt(), value };
    committed[name] = commitmentOf(opening);
    values.push({ path: `${prefix}${name}`, ...opening });
    delete sealed[name];
  }
  if (isObject(sealed.replacement)) sealed.replacement = seal(sealed.replacement, `${prefix}replacement.`, values, salt);
  if (Object.keys(committed).length > 0) sealed.committed = committed;
  return sealed;
}

/**
 * The detail with its private values put back where the writer wrote them (and their
 * commitments taken out): what the owner reads, and what this gateway's own rules check.
 */
export function revealPrivateFields(detail: Record<string, unknown>, values: readonly PrivateValue[]): Record<string, unknown> {
  if (values.length === 0) return detail;
  const revealed: Record<string, unknown> = { ...detail };
  const replacement = values.filter((v) => v.path.startsWith("replacement."));
  if (replacement.length > 0 && isObject(revealed.replacement)) {
    revealed.replacement = revealPrivateFields(
      revealed.replacement,
      replacement.map((v) => ({ ...v, path: v.path.slice("replacement.".length) })),
    );
  }
  const committed = isObject(revealed.committed) ? { ...revealed.committed } : undefined;
  for (const { path, value } of values) {
    if (path.includes(".")) continue;
    revealed[path] = value;
    if (committed) delete committed[path];
  }
  if (committed && Object.keys(committed).length === 0) delete revealed.committed;
  else if (committed) revealed.committed = committed;
  return revealed;
}

/**
 * The values a detail planned before commitments holds in the clear (a sale's amount, a
 * correction's replacement amount), as kept beside committed ones (salt null): so a request
 * prepared by an older gateway and signed after the upgrade still counts in the figures.
 */
export function valuesInTheClear(detail: Record<string, unknown>): PrivateValue[] {
  const values: PrivateValue[] = [];
  const collect = (part: Record<string, unknown>, prefix: string) => {
    for (const name of ALWAYS_PRIVATE[String(part.type)] ?? []) {
      if (part[name] !== undefined) values.push({ path: `${prefix}${name}`, value: part[name], salt: null });
    }
  };
  collect(detail, "");
  if (isObject(detail.replacement)) collect(detail.replacement, "replacement.");
  return values;
}

function checkMayBePrivate(name: string, field: string): void {
  if (name.includes(".")) {
    const en = `${name}: only a whole field of the detail can be private`;
    throw new DomainError("invalid_request", en, [{ field, message: en, zh: `${name}：只能把整个字段设为保密` }]);
  }
  if (PUBLIC_FIELDS.has(name)) {
    const en = `${name} cannot be private: the ledger's rules and every reader need it`;
    throw new DomainError("invalid_request", en, [{ field, message: en, zh: `${name} 不能设为保密：账本规则和每位读者都要用到它` }]);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
