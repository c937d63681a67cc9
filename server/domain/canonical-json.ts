/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one byte-exact text for a JSON value, so that
 * anyone can recompute the keccak256 that the ledger stores for an event's off-chain detail.
 *
 * - Object members are sorted by their names' UTF-16 code units (what a plain JS sort does).
 * - Numbers are written as ECMAScript writes them (RFC 8785 adopts that algorithm); NaN and
 *   the infinities are not JSON and are refused.
 * - Strings are written with JSON's minimal escaping; lone surrogates are refused because they
 *   have no UTF-8 form.
 * - Properties whose value is `undefined` are left out, as JSON.stringify leaves them out, so
 *   a value and its JSON round trip canonicalise alike.
 */
export class CanonicalJsonError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} at ${path || "the top level"}`);
    this.name = "CanonicalJsonError";
  }
}

export function canonicalize(value: unknown): string {
  return write(value, "", new Set());
}

function write(value: unknown, path: string, open: Set<object>): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} is not a JSON number`, path);
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw new CanonicalJsonError("a string holds a lone surrogate", path);
    return JSON.stringify(value);
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (open.has(value)) throw new CanonicalJsonError("a value contains itself", path);
    open.add(value);
    const text = Array.isArray(value) ? writeArray(value, path, open) : writeObject(value, path, open);
    open.delete(value);
    return text;
  }
  throw new CanonicalJsonError(`a ${typeof value} is not a JSON value`, path);
}

function writeArray(items: unknown[], path: string, open: Set<object>): string {
  const written: string[] = [];
  for (let index = 0; index < items.length; index++) {
    // A hole is no JSON value; JSON.stringify would silently write null.
    if (!(index in items)) throw new CanonicalJsonError("an array has a hole", `${path}[${index}]`);
    written.push(write(items[index], `${path}[${index}]`, open));
  }
  return `[${written.join(",")}]`;
}

function writeObject(object: Record<string, unknown>, path: string, open: Set<object>): string {
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => {
      if (!key.isWellFormed()) throw new CanonicalJsonError("a property name holds a lone surrogate", path);
      return `${JSON.stringify(key)}:${write(object[key], `${path}.${key}`, open)}`;
    });
  return `{${members.join(",")}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
