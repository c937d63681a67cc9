/**
 * The CBV 2.0 event hash ("EPCIS Event Hash ID") of an EPCIS 2.0 event in its JSON / JSON-LD
 * form: a canonical pre-hash string of the event, hashed with SHA-256 and named as an RFC 6920
 * `ni` URI, `ni:///sha-256;<64 hex>?ver=CBV2.0`.
 *
 * The pre-hash string is the event type, then the standard fields in the algorithm's order
 * (eventTime, eventTimeZoneOffset, certificationInfo, parentID, the EPC and quantity lists,
 * action, transformationID, bizStep, disposition, persistentDisposition, readPoint, bizLocation,
 * sensorElementList), then every other field (bizTransactionList, sourceList, destinationList,
 * ilmd, user extensions) as `key=value` strings sorted by code point; nothing between them.
 * eventID, recordTime and errorDeclaration are left out. Values are normalised first: times to
 * UTC with milliseconds, numbers without trailing zeros, CBV words and URNs to their
 * https://ref.gs1.org/cbv/ URIs, EPC URNs and GS1 Digital Link URIs on any domain to the
 * constrained canonical Digital Link on id.gs1.org, namespace prefixes to `{namespace}name`.
 *
 * Where the prose of the algorithm and its reference implementation (RalphTro/epcis-event-hash-
 * generator, whose worked examples test/domain/epcis-event-hash.test.ts checks; provenance in
 * test/fixtures/epcis/hash-examples/README.md) differ, this module does what the reference does,
 * because two parties only agree on a hash when they compute the same string. That includes its
 * quirks, kept on purpose:
 *  - bizTransactionList, sourceList and destinationList are not placed at their place in the
 *    canonical order but sorted in with ilmd and the user extensions at the end, each entry as
 *    `type=…` followed by the identifier;
 *  - a Digital Link URI is normalised only when the URI holds a "." somewhere (so
 *    `http://127.0.0.1:3000/01/…` becomes `https://id.gs1.org/01/…`, `http://localhost/01/…`
 *    is kept as it is), and only when the result passes the reference's syntax check;
 *  - every value is run through the number and identifier normalisation, also inside ilmd and
 *    extensions ("0012" hashes as "12"), while only the standard time fields are normalised as
 *    times;
 *  - a bare word anywhere in the event that ends exactly one of the event's CBV / GS1-vocabulary
 *    URIs after a "-" or "/" becomes that URI (so an extension valued "active" next to
 *    disposition "active" hashes as https://ref.gs1.org/cbv/Disp-active);
 *  - extension elements inside readPoint, bizLocation, sensor elements and quantity elements
 *    are moved behind their parent's standard fields only when their namespace ends with "/";
 *  - namespace prefixes are expanded only when the document's (or event's) @context declares
 *    them, not from the prefixes of GS1's own context.
 * Where the reference fails, or depends on how the JSON happens to be written, this module takes
 * the reading that keeps the hash independent of key order and of the other events of a
 * document: see `typedEntry`, `normaliseTimestamp`, `contextPrefixes` and `vocabularyIris`.
 */
import { createHash } from "node:crypto";
import { gtinCheckDigit } from "../gs1";

/** The CBV 2.0 event hash of one EPCIS 2.0 JSON/JSON-LD event: "ni:///sha-256;<64 hex>?ver=CBV2.0". */
export function epcisEventHash(event: Record<string, unknown>, context?: unknown): string {
  const digest = createHash("sha256").update(epcisPreHashString(event, context), "utf8").digest("hex");
  return `ni:///sha-256;${digest}?ver=CBV2.0`;
}

/** The pre-hash string the hash is taken of (for tests and for anyone checking by hand). */
export function epcisPreHashString(event: Record<string, unknown>, context?: unknown): string {
  const prefixes = contextPrefixes(context);
  for (const [prefix, namespace] of contextPrefixes(event["@context"])) prefixes.set(prefix, namespace);

  const withIris = replaceBareWords(event, vocabularyIris(event, prefixes));
  const root = restructure(toField(anonymousName(withIris), withIris, prefixes));

  const ordered = orderedPart(root.kids, EVENT_ORDER);
  const rest = root.kids.filter((kid) => !(isField(kid) && LEFT_OUT.has(kid.name)));
  return `eventType=${root.name}${ordered}${genericPart(rest)}`;
}

// ---------------------------------------------------------------------------------------------
// The field tree: what the pre-hash string is assembled from.

/** A field: its (namespace-expanded) name, its value as text ("" for none), its child fields. */
interface Field {
  name: string;
  text: string;
  kids: Node[];
}

/** An entry of bizTransactionList, sourceList or destinationList: its type, then its identifier. */
interface TypedEntry {
  parts: Field[];
}

type Node = Field | TypedEntry;

function isField(node: Node): node is Field {
  return "name" in node;
}

/** Top-level fields that take no part in the hash. */
const LEFT_OUT = new Set(["eventID", "recordTime", "type", "errorDeclaration"]);

/** Keys dropped wherever they appear: comments, and JSON-LD's own @context. */
const DROPPED_KEYS = new Set(["#text", "comment", "rdfs:comment", "@context"]);

const TYPED_LISTS = new Set(["bizTransactionList", "sourceList", "destinationList"]);
const TYPED_ENTRY_ID: Record<string, string> = {
  bizTransactionList: "bizTransaction",
  sourceList: "source",
  destinationList: "destination",
};

/**
 * JSON to fields, as the reference reads it: an object's keys become child fields (an array
 * gives one child per element, all under the key), a scalar becomes text the way Python prints
 * it (true → "True", null → "None"). An object's own name is its "type", which names the event.
 */
function toField(name: string, value: unknown, prefixes: Prefixes): Field {
  if (Array.isArray(value)) {
    return { name, text: "", kids: value.map((element) => toField(anonymousName(element), element, prefixes)) };
  }
  if (isObject(value)) {
    const kids: Node[] = [];
    for (const [key, child] of Object.entries(value)) {
      if (DROPPED_KEYS.has(key)) continue;
      const childName = expandKey(key, prefixes);
      if (Array.isArray(child)) {
        for (const element of child) kids.push(toField(childName, element, prefixes));
      } else {
        kids.push(toField(childName, child, prefixes));
      }
    }
    return { name, text: "", kids };
  }
  return { name, text: scalarText(value, prefixes), kids: [] };
}

/** The name of an object that is not a field's value (the event, an element of a nested array): its "type". */
function anonymousName(element: unknown): string {
  return isObject(element) && typeof element.type === "string" ? element.type : "";
}

function scalarText(value: unknown, prefixes: Prefixes): string {
  if (typeof value === "string") return expandValue(value, prefixes);
  if (typeof value === "number") return pythonNumberText(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null || value === undefined) return "None";
  return String(value);
}

/**
 * The XML shape of the JSON: `xList: [a, b]` becomes one `xList` with children `x`, named as
 * the XML binding names them (`epc` in every EPC list, `quantityElement` in every quantity
 * list), `childEPCs` holds `epc`s, and the entries of the typed lists become type/identifier
 * pairs. Applied at every depth, as the reference does (an extension `ns:fooList` too).
 */
function restructure(field: Field): Field {
  const kids: Node[] = [];
  const lists = new Map<string, Field[]>();
  const childEpcs: Field[] = [];
  for (const kid of field.kids) {
    if (!isField(kid)) {
      kids.push(kid);
    } else if (kid.name.endsWith("List")) {
      const items = lists.get(kid.name) ?? [];
      items.push({ name: kid.name.slice(0, -4), text: kid.text, kids: kid.kids });
      lists.set(kid.name, items);
    } else if (kid.name === "childEPCs") {
      childEpcs.push({ name: "epc", text: kid.text, kids: [] });
    } else {
      kids.push(restructure(kid));
    }
  }
  for (const [listName, items] of lists) {
    if (TYPED_LISTS.has(listName)) {
      kids.push({ name: listName, text: "", kids: items.map((item) => typedEntry(item, TYPED_ENTRY_ID[listName])) });
    } else {
      kids.push({ name: listName, text: "", kids: items.map(restructure) });
    }
  }
  if (childEpcs.length > 0) kids.push({ name: "childEPCs", text: "", kids: childEpcs });
  return { name: xmlName(field), text: field.text, kids };
}

function xmlName(field: Field): string {
  const { name } = field;
  if (name === "inputEPC" || name === "outputEPC") return "epc";
  if (name === "inputQuantity" || name === "outputQuantity" || name === "childQuantity") return "quantityElement";
  if (name === "quantity" && field.kids.length > 0) return "quantityElement";
  return name;
}

/**
 * A bizTransaction / source / destination entry: `type` first, then the identifier, as the
 * reference's XML reading and its examples have it. (Its JSON reading takes the entry's first
 * two keys in the order they are written, so `{"bizTransaction": …, "type": …}` hashes
 * differently there, and fails on an entry without a type; here the order of keys does not
 * matter and an entry without a type is its identifier alone. Keys an entry should not have
 * follow, sorted.)
 */
function typedEntry(item: Field, idName: string): TypedEntry {
  const fields = item.kids.filter(isField);
  const type = fields.filter((kid) => kid.name === "type");
  const id = fields.filter((kid) => kid.name === idName);
  const others = fields.filter((kid) => kid.name !== "type" && kid.name !== idName);
  others.sort((a, b) => compareCodePoints(genericString(a), genericString(b)));
  if (fields.length === 0 && item.text) return { parts: [{ name: idName, text: item.text, kids: [] }] };
  return { parts: [...type, ...id, ...others] };
}

// ---------------------------------------------------------------------------------------------
// The pre-hash string.

type Order = ReadonlyArray<readonly [name: string, children?: Order]>;

const EPCS: Order = [["epc"]];
const QUANTITIES: Order = [["quantityElement", [["epcClass"], ["quantity"], ["uom"]]]];
const leaves = (...names: string[]): Order => names.map((name) => [name] as const);
const SENSOR_METADATA = leaves("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules");
const SENSOR_REPORT = leaves(
  "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time", "microorganism",
  "chemicalSubstance", "value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue",
  "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem",
);

/**
 * The canonical order of the standard fields, as the reference applies it (certificationInfo
 * follows eventTimeZoneOffset; parentID precedes the EPC lists). bizTransactionList, sourceList
 * and destinationList are absent on purpose: the reference sorts them in with the other fields.
 */
const EVENT_ORDER: Order = [
  ["eventTime"],
  ["eventTimeZoneOffset"],
  ["certificationInfo"],
  ["parentID"],
  ["epcList", EPCS],
  ["inputEPCList", EPCS],
  ["childEPCs", EPCS],
  ["quantityList", QUANTITIES],
  ["childQuantityList", QUANTITIES],
  ["inputQuantityList", QUANTITIES],
  ["outputEPCList", EPCS],
  ["outputQuantityList", QUANTITIES],
  ["action"],
  ["transformationID"],
  ["bizStep"],
  ["disposition"],
  ["persistentDisposition", leaves("set", "unset")],
  ["readPoint", [["id"]]],
  ["bizLocation", [["id"]]],
  ["sensorElementList", [["sensorElement", [["sensorMetadata", SENSOR_METADATA], ["sensorReport", SENSOR_REPORT]]]]],
];

/**
 * The fields of `order` found among `kids`, in that order (equal names sorted), each with its
 * own children in its sub-order; extension fields of this level go last. Consumes what it
 * uses: a field all of whose children were used is removed from `kids`, so that what is left
 * is what the generic part still has to add.
 */
function orderedPart(kids: Node[], order: Order): string {
  let out = "";
  const extensions = takeNestedExtensions(kids);
  for (const [name, children] of order) {
    const matching = kids.filter((kid): kid is Field => isField(kid) && kid.name === name);
    const parts: string[] = [];
    for (const field of matching) {
      const part = orderedString(field, children);
      if (part) parts.push(part);
      if (field.kids.length === 0) kids.splice(kids.indexOf(field), 1);
    }
    out += sortedJoin(parts);
  }
  if (extensions.length > 0) out += genericPart(extensions);
  return out;
}

function orderedString(field: Field, children: Order | undefined): string {
  const nested = children ? orderedPart(field.kids, children) : "";
  let text = pythonStrip(field.text);
  if (text) {
    text = isTimeName(field.name) ? normaliseTimestamp(text) : canonicalValue(text);
    if (text) text = `=${text}`;
  }
  return text || nested ? `${field.name}${text}${nested}` : "";
}

/**
 * The user extensions of a standard field with an extension point (readPoint, sensorElement…):
 * taken out to go behind the field's standard children. As in the reference: only at a level
 * with more than one field, not at the event's own level (recognised by a field whose name
 * contains "eventTime" or "action"), and only names expanded from a namespace ending in "/".
 */
function takeNestedExtensions(kids: Node[]): Field[] {
  if (kids.length <= 1) return [];
  if (kids.some((kid) => isField(kid) && (kid.name.includes("eventTime") || kid.name.includes("action")))) return [];
  const extensions = kids.filter((kid): kid is Field => isField(kid) && kid.name.includes("{") && kid.name.includes("/}"));
  for (const extension of extensions) kids.splice(kids.indexOf(extension), 1);
  return extensions;
}

/** Fields outside the canonical order: each `name=value` followed by its children, all sorted. */
function genericPart(nodes: readonly Node[]): string {
  return sortedJoin(nodes.map(genericString));
}

function genericString(node: Node): string {
  if (!isField(node)) return node.parts.map(genericString).join("");
  const text = pythonStrip(node.text);
  return `${node.name}${text ? `=${canonicalValue(text)}` : ""}${genericPart(node.kids)}`;
}

function sortedJoin(parts: string[]): string {
  return parts.sort(compareCodePoints).join("");
}

/** Python's string order: by Unicode code point (JavaScript's default compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

// ---------------------------------------------------------------------------------------------
// Namespaces.

type Prefixes = Map<string, string>;

/**
 * The prefixes a JSON-LD @context declares: a string entry declares none, an object entry
 * maps each key to its namespace (a string, or an object's "@id"). Only what the context
 * declares; GS1's context is not fetched, so its own prefixes (cbvmda:, gs1:…) are expanded
 * only when declared alongside, as in the reference. (The reference reads only a context that
 * is an array, and ignores an event's own @context, hashing it as if it were a field; here a
 * single object counts too, and the event's own @context is read, over the document's, and
 * not hashed.)
 */
function contextPrefixes(context: unknown): Prefixes {
  const prefixes: Prefixes = new Map();
  const entries = Array.isArray(context) ? context : [context];
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    for (const [prefix, definition] of Object.entries(entry)) {
      if (prefix.startsWith("@")) continue;
      if (typeof definition === "string") prefixes.set(prefix, definition);
      else if (isObject(definition) && typeof definition["@id"] === "string") prefixes.set(prefix, definition["@id"]);
    }
  }
  return prefixes;
}

/** `prefix:name` as `{namespace}name` when the prefix is declared. */
function expandKey(key: string, prefixes: Prefixes): string {
  const colon = key.indexOf(":");
  const namespace = colon >= 0 ? prefixes.get(key.slice(0, colon)) : undefined;
  return namespace === undefined ? key : `{${namespace}}${key.slice(colon + 1)}`;
}

/** A value `prefix:name` as the full URI when the prefix is declared. */
function expandValue(value: string, prefixes: Prefixes): string {
  const colon = value.indexOf(":");
  const namespace = colon >= 0 ? prefixes.get(value.slice(0, colon)) : undefined;
  return namespace === undefined ? value : `${namespace.replace(/[{}]/g, "")}${value.slice(colon + 1)}`;
}

// ---------------------------------------------------------------------------------------------
// CBV words in bare-string notation.

const CBV = "https://ref.gs1.org/cbv/";
const GS1_VOC = "https://gs1.org/voc/";
/** The IRI prefixes whose terms stand in for bare words. */
const VOCABULARY_BASES = ["https://ref.gs1.org/cbv", "https://gs1.org/voc"];

/** The prefixes GS1's EPCIS 2.0 JSON-LD context itself declares. */
const STANDARD_PREFIXES: ReadonlyMap<string, string> = new Map([
  ["epcis", "https://ref.gs1.org/epcis/"],
  ["cbv", CBV],
  ["cbvmda", "urn:epcglobal:cbv:mda:"],
  ["gs1", GS1_VOC],
  ["rdfs", "http://www.w3.org/2000/01/rdf-schema#"],
  ["owl", "http://www.w3.org/2002/07/owl#"],
  ["xsd", "http://www.w3.org/2001/XMLSchema#"],
  ["dcterms", "http://purl.org/dc/terms/"],
]);

function vocabulary(base: string, words: string): ReadonlyMap<string, string> {
  return new Map(words.split(/\s+/).map((word) => [word, `${base}${word}`]));
}

// The standard terms of each vocabulary-typed field of EPCIS 2.0's JSON-LD context (CBV 2.0).
const BIZ_STEPS = vocabulary(
  `${CBV}BizStep-`,
  `accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting
   decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting
   installing killing loading other packing picking receiving removing repackaging repairing replacing reserving
   retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting
   unloading unpacking void_shipping`,
);
const DISPOSITIONS = vocabulary(
  `${CBV}Disp-`,
  `active available completeness_verified completeness_inferred conformant container_closed container_open damaged
   destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance mismatch_class
   mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed
   recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown`,
);
const BIZ_TRANSACTION_TYPES = vocabulary(`${CBV}BTT-`, "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt");
const SOURCE_DESTINATION_TYPES = vocabulary(`${CBV}SDT-`, "owning_party possessing_party location");
const ERROR_REASONS = vocabulary(`${CBV}ER-`, "did_not_occur incorrect_data");
const MEASUREMENT_TYPES = vocabulary(
  GS1_VOC,
  `AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance
   AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance Conductance
   Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge
   ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance
   Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux
   MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity
   MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity RelativeHumidity
   Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage
   Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber`,
);
const SENSOR_EXCEPTIONS = vocabulary(GS1_VOC, "ALARM_CONDITION ERROR_CONDITION");
const COMPONENTS = vocabulary(
  `${CBV}Comp-`,
  "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude longitude altitude",
);

/**
 * The CBV / GS1-vocabulary IRIs the event holds once read as JSON-LD: the vocabulary-typed
 * fields' terms and compact IRIs expanded, and every value already written as such an IRI.
 * (The reference expands the whole document with a JSON-LD processor and collects these from
 * all of its events; here they come from the one event, so that its hash does not depend on
 * its neighbours.)
 */
function vocabularyIris(event: Record<string, unknown>, prefixes: Prefixes): Set<string> {
  const iris = new Set<string>();
  const known = new Map([...STANDARD_PREFIXES, ...prefixes]);
  const add = (value: unknown, terms: ReadonlyMap<string, string>): void => {
    for (const word of asArray(value)) {
      if (typeof word !== "string") continue;
      const iri = terms.get(word) ?? expandCompactIri(word, known);
      if (iri && VOCABULARY_BASES.some((base) => iri.startsWith(base))) iris.add(iri);
    }
  };
  add(event.bizStep, BIZ_STEPS);
  add(event.disposition, DISPOSITIONS);
  for (const change of asArray(event.persistentDisposition).filter(isObject)) {
    add(change.set, DISPOSITIONS);
    add(change.unset, DISPOSITIONS);
  }
  for (const declaration of asArray(event.errorDeclaration).filter(isObject)) add(declaration.reason, ERROR_REASONS);
  for (const entry of asArray(event.bizTransactionList).filter(isObject)) add(entry.type, BIZ_TRANSACTION_TYPES);
  for (const list of [event.sourceList, event.destinationList]) {
    for (const entry of asArray(list).filter(isObject)) add(entry.type, SOURCE_DESTINATION_TYPES);
  }
  for (const element of asArray(event.sensorElementList).filter(isObject)) {
    for (const report of asArray(element.sensorReport).filter(isObject)) {
      add(report.type, MEASUREMENT_TYPES);
      add(report.exception, SENSOR_EXCEPTIONS);
      add(report.component, COMPONENTS);
    }
  }
  forEachString(event, (value) => {
    if (VOCABULARY_BASES.some((base) => value.startsWith(base))) iris.add(value);
  });
  return iris;
}

function expandCompactIri(value: string, prefixes: ReadonlyMap<string, string>): string | undefined {
  const colon = value.indexOf(":");
  if (colon < 0 || value.startsWith("//", colon + 1)) return undefined;
  const namespace = prefixes.get(value.slice(0, colon));
  return namespace === undefined ? undefined : `${namespace}${value.slice(colon + 1)}`;
}

/**
 * Every string value of the event that ends exactly one of `iris` after a "-" or "/" becomes
 * that IRI: the reference's way of turning bare words ("shipping", "po") into CBV URIs, applied,
 * as there, to every value and not only to the field the word belongs to.
 */
function replaceBareWords(value: unknown, iris: ReadonlySet<string>): Record<string, unknown> {
  const replace = (node: unknown): unknown => {
    if (typeof node === "string") {
      const matches = [...iris].filter((iri) => iri.endsWith(`-${node}`) || iri.endsWith(`/${node}`));
      return matches.length === 1 ? matches[0] : node;
    }
    if (Array.isArray(node)) return node.map(replace);
    if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, key === "@context" ? child : replace(child)]));
    return node;
  };
  return replace(value) as Record<string, unknown>;
}

function forEachString(node: unknown, visit: (value: string) => void): void {
  if (typeof node === "string") visit(node);
  else if (Array.isArray(node)) node.forEach((child) => forEachString(child, visit));
  else if (isObject(node)) {
    for (const [key, child] of Object.entries(node)) if (key !== "@context") forEachString(child, visit);
  }
}

// ---------------------------------------------------------------------------------------------
// Values.

/** Values of every field: CBV URNs as web URIs, numbers in their shortest form, GS1 keys as Digital Links. */
function canonicalValue(text: string): string {
  // Most values hold no CBV URN: the five replacements are skipped for them (the result is the same).
  const withWebVocabulary = text.includes("urn:epcglobal:cbv:") ? CBV_URNS.reduce((value, [urn, uri]) => value.split(urn).join(uri), text) : text;
  const numeric = pythonNumeric(withWebVocabulary);
  return normaliseGs1Identifier(numeric) ?? numeric;
}

const CBV_URNS: ReadonlyArray<readonly [string, string]> = [
  ["urn:epcglobal:cbv:bizstep:", `${CBV}BizStep-`],
  ["urn:epcglobal:cbv:disp:", `${CBV}Disp-`],
  ["urn:epcglobal:cbv:btt:", `${CBV}BTT-`],
  ["urn:epcglobal:cbv:sdt:", `${CBV}SDT-`],
  ["urn:epcglobal:cbv:er:", `${CBV}ER-`],
];

/** The syntax Python's float() reads (its ASCII part): the reference normalises every such value. */
const PYTHON_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/** A numeric text without trailing zeros, leading zeros or "+" ("1.50" → "1.5", "007" → "7", "1e3" → "1000"). */
function pythonNumeric(text: string): string {
  if (!PYTHON_FLOAT.test(text)) return text;
  const value = Number(text.replace(/_/g, ""));
  if (!Number.isFinite(value)) return text;
  return pythonNumberText(value);
}

/** A number as Python's str() of the reference's int-or-float prints it. */
function pythonNumberText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return BigInt(value).toString();
  return pythonFloatRepr(value);
}

/** Python's repr() of a float: the shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
function pythonFloatRepr(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length > exponent + 1) return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
}

/** Python's str.strip(): its whitespace, not JavaScript's (which adds U+FEFF and lacks U+001C-U+001F, U+0085). */
function pythonStrip(text: string): string {
  return text.replace(/^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, "");
}

/** The standard fields normalised as times: a name with "time" in it, but not eventTimeZoneOffset. */
function isTimeName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.includes("time") && !lower.includes("offset");
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * A timestamp in UTC with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ". Digits past the
 * microsecond are dropped and the microseconds rounded to milliseconds half to even, as the
 * reference (Python's round) does; a rounding up to the next second carries over (the
 * reference fails there). A time without a zone is taken as UTC (the reference takes the
 * machine's zone). What does not parse is kept as written.
 */
function normaliseTimestamp(text: string): string {
  const epochMs = parseTimestamp(text);
  if (epochMs === undefined) return text;
  const time = new Date(epochMs);
  const pad = (value: number, width = 2): string => String(value).padStart(width, "0");
  return (
    `${pad(time.getUTCFullYear(), 4)}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())}` +
    `T${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}.${pad(time.getUTCMilliseconds(), 3)}Z`
  );
}

function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return undefined;
  date.setUTCHours(hour, minute, second, 0);

  const microseconds = Number((match[7] ?? "").padEnd(6, "0").slice(0, 6));
  let milliseconds = Math.floor(microseconds / 1000);
  const remainder = microseconds % 1000;
  if (remainder > 500 || (remainder === 500 && milliseconds % 2 === 1)) milliseconds += 1;

  let offsetMinutes = 0;
  if (match[9]) {
    const hours = Number(match[10]);
    const minutes = match[11] === undefined ? 0 : Number(match[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (match[9] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  return date.getTime() + milliseconds - offsetMinutes * 60_000;
}

// ---------------------------------------------------------------------------------------------
// GS1 identifiers: EPC URIs and GS1 Digital Link URIs as the constrained canonical Digital Link.

const ID_GS1 = "https://id.gs1.org";

/** An EPC URI's serial characters (a %-escape counts as one). */
const SERIAL = "(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])";
/** A component/part reference's characters. */
const CPI_CHARACTER = "(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])";

/**
 * Company prefix (6 to 12 digits), ".", and the rest of a key of `total` digits. A 12-digit
 * prefix leaves nothing; `empty` says what follows it then ("." or "..", as the reference's
 * patterns for each scheme require).
 */
function prefixAndReference(total: number, empty = "\\."): string {
  const alternatives: string[] = [];
  for (let digits = 6; digits <= 12; digits++) {
    alternatives.push(total - digits > 0 ? `\\d{${digits}}\\.\\d{${total - digits}}` : `\\d{12}${empty}`);
  }
  return `(?:${alternatives.join("|")})`;
}

/** Company prefix, ".", and up to `total` characters in all. */
function prefixAndText(total: number, character: string): string {
  const alternatives: string[] = [];
  for (let digits = 6; digits <= 12; digits++) alternatives.push(`\\d{${digits}}\\.${character}{1,${total - digits}}`);
  return `(?:${alternatives.join("|")})`;
}

/** The reference's percent-encoding of the characters a Digital Link may not carry as they are. */
function encodeForWebUri(text: string): string {
  return text.replace(/[!()*+,:]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface EpcParts {
  /** The whole URI. */
  uri: string;
  /** The company prefix. */
  company: string;
  /** The digits after the first "." that complete the company prefix to the key's length. */
  reference: string;
  /** Everything after the first "." */
  afterCompany: string;
  /** `uri` from `offset` on: the place the reference cuts a serial from. */
  from: (offset: number) => string;
}

interface EpcScheme {
  pattern: RegExp;
  /** Digits of company prefix and reference together (0 where the reference is free text). */
  keyLength: number;
  toDigitalLink: (parts: EpcParts) => string;
}

const check = (digits: string): string => `${digits}${gtinCheckDigit(digits)}`;
/** A GTIN from a company prefix and an item reference whose first digit is the indicator. */
const gtin = (company: string, itemReference: string): string => check(`${itemReference[0]}${company}${itemReference.slice(1)}`);

const scheme = (prefix: string, body: string, keyLength: number, toDigitalLink: EpcScheme["toDigitalLink"]): EpcScheme => ({
  pattern: new RegExp(`^${prefix}${body}$`),
  keyLength,
  toDigitalLink,
});

const EPC_SCHEMES: readonly EpcScheme[] = [
  scheme("urn:epc:id:sgtin:", `${prefixAndReference(13)}\\.${SERIAL}{1,20}`, 13, (p) => `/01/${gtin(p.company, p.reference)}/21/${encodeForWebUri(p.from(32))}`),
  scheme("urn:epc:id:sscc:", prefixAndReference(17), 17, (p) => `/00/${gtin(p.company, p.reference)}`),
  scheme("urn:epc:id:sgln:", `${prefixAndReference(12)}\\.${SERIAL}{1,20}`, 12, (p) => {
    const extension = p.from(30);
    return `/414/${check(p.company + p.reference)}${extension === "0" ? "" : `/254/${encodeForWebUri(extension)}`}`;
  }),
  scheme("urn:epc:id:grai:", `${prefixAndReference(12, "\\.\\.")}\\.${SERIAL}{1,16}`, 12, (p) => `/8003/${check(`0${p.company}${p.reference}`)}${encodeForWebUri(p.from(30))}`),
  scheme("urn:epc:id:giai:", prefixAndText(30, SERIAL), 0, (p) => `/8004/${p.company}${encodeForWebUri(p.afterCompany)}`),
  scheme("urn:epc:id:gsrn:", prefixAndReference(17), 17, (p) => `/8018/${check(p.company + p.reference)}`),
  scheme("urn:epc:id:gsrnp:", prefixAndReference(17), 17, (p) => `/8017/${check(p.company + p.reference)}`),
  // No "." between document type and serial in the reference's pattern: it cuts the serial at a fixed place.
  scheme("urn:epc:id:gdti:", `${prefixAndReference(12, "\\.\\.")}${SERIAL}{1,20}`, 12, (p) => `/253/${check(p.company + p.reference)}${encodeForWebUri(p.from(30))}`),
  scheme("urn:epc:id:cpi:", `${prefixAndText(30, CPI_CHARACTER)}\\.\\d{1,12}`, 0, (p) => {
    const last = p.uri.lastIndexOf(".");
    const part = p.uri.slice(p.uri.indexOf(".") + 1, last);
    return `/8010/${encodeForWebUri(p.company + part)}/8011/${p.uri.slice(last + 1)}`;
  }),
  scheme("urn:epc:id:sgcn:", `${prefixAndReference(12)}\\.\\d{1,12}`, 12, (p) => `/255/${check(p.company + p.reference)}${p.from(30)}`),
  scheme("urn:epc:id:ginc:", prefixAndText(30, SERIAL), 0, (p) => `/401/${p.company}${encodeForWebUri(p.afterCompany)}`),
  scheme("urn:epc:id:gsin:", prefixAndReference(16), 16, (p) => `/402/${check(p.company + p.reference)}`),
  scheme("urn:epc:id:itip:", `${prefixAndReference(13)}\\.\\d{2}\\.\\d{2}\\.${SERIAL}{1,20}`, 13, (p) =>
    `/8006/${gtin(p.company, p.reference)}${p.uri.slice(31, 33)}${p.uri.slice(34, 36)}/21/${encodeForWebUri(p.from(37))}`),
  scheme("urn:epc:id:upui:", `${prefixAndReference(13)}\\.${SERIAL}{1,28}`, 13, (p) => `/01/${gtin(p.company, p.reference)}/235/${encodeForWebUri(p.from(31))}`),
  scheme("urn:epc:id:pgln:", prefixAndReference(12), 12, (p) => `/417/${check(p.company + p.reference)}`),
  scheme("urn:epc:class:lgtin:", `${prefixAndReference(13)}\\.${SERIAL}{1,20}`, 13, (p) => `/01/${gtin(p.company, p.reference)}/10/${encodeForWebUri(p.from(35))}`),
  scheme("urn:epc:idpat:sgtin:", `${prefixAndReference(13)}\\.\\*`, 13, (p) => `/01/${gtin(p.company, p.reference)}`),
  scheme("urn:epc:idpat:grai:", `${prefixAndReference(12, "\\.\\.")}\\.\\*`, 12, (p) => `/8003/${check(`0${p.company}${p.reference}`)}`),
  scheme("urn:epc:idpat:gdti:", `${prefixAndReference(12, "\\.\\.")}\\.\\*`, 12, (p) => `/253/${check(p.company + p.reference)}`),
  scheme("urn:epc:idpat:sgcn:", `${prefixAndReference(12, "\\.\\.")}\\.\\*`, 12, (p) => `/255/${check(p.company + p.reference)}`),
  scheme("urn:epc:idpat:cpi:", `${prefixAndText(30, CPI_CHARACTER)}\\.\\*`, 0, (p) =>
    `/8010/${encodeForWebUri(p.company + p.uri.slice(p.uri.indexOf(".") + 1, p.uri.lastIndexOf(".")))}`),
  scheme("urn:epc:idpat:itip:", `${prefixAndReference(13)}\\.\\d{2}\\.\\d{2}\\.\\*`, 13, (p) =>
    `/8006/${gtin(p.company, p.reference)}${p.uri.slice(34, 36)}${p.uri.slice(37, 39)}`),
  scheme("urn:epc:idpat:upui:", `${prefixAndReference(13)}\\.\\*`, 13, (p) => `/01/${gtin(p.company, p.reference)}`),
];

/** Key (or short name) segments that make an http(s) URI a GS1 Digital Link to the reference. */
const DL_KEY = /^https?:[^?#]*\/(?:01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)\/\d{4}[^/]/;

const SHORT_NAMES: ReadonlyArray<readonly [string, string]> = [
  ["gtin", "01"], ["itip", "8006"], ["cpid", "8010"], ["gln", "414"], ["party", "417"], ["gsrnp", "8017"], ["gsrn", "8018"],
  ["gcn", "255"], ["sscc", "00"], ["gdti", "253"], ["ginc", "401"], ["gsin", "402"], ["grai", "8003"], ["giai", "8004"],
  ["cpv", "22"], ["lot", "10"], ["ser", "21"],
];

// The reference's patterns leave the dots of id.gs1.org unescaped (any character); kept so.
const ON_ID_GS1 = /^https:\/\/id.gs1.org\/(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)\/\d{4}[^/]/;

/** The keys whose segment starts the path once the domain is replaced, in the reference's order of preference. */
const DOMAIN_KEYS = ["00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018"];

/** Characters of the values the reference accepts in a Digital Link (GS1 character set 82 less %, &, /, etc.). */
const DL_CHARACTER = `["'\\-.0-9;-?A-Z_a-z]`;
const GTIN_OR_ITIP = "(?:8006\\/\\d{18}|01\\/\\d{14})";
const onIdGs1 = (rest: string): RegExp => new RegExp(`^https:\\/\\/id.gs1.org\\/${rest}$`);

const CPV_ALONE = onIdGs1(`${GTIN_OR_ITIP}\\/22\\/${DL_CHARACTER}{0,20}`);
const CPV_THEN_MORE = onIdGs1(`${GTIN_OR_ITIP}\\/22\\/["'\\-./0-9;-?A-Z_a-z]{0,20}`);
const LOT_AND_SERIAL = onIdGs1(`${GTIN_OR_ITIP}\\/10\\/${DL_CHARACTER}{0,20}\\/21\\/${DL_CHARACTER}{0,20}`);

/** The constrained canonical Digital Links the reference lets through. */
const VALID_DIGITAL_LINKS: readonly RegExp[] = [
  "00\\/\\d{18}",
  `01\\/\\d{14}\\/21\\/${DL_CHARACTER}{0,20}`,
  `01\\/\\d{14}\\/10\\/${DL_CHARACTER}{0,20}`,
  "01\\/\\d{14}",
  `01\\/\\d{14}\\/235\\/${DL_CHARACTER}{0,28}`,
  `253\\/\\d{13}${DL_CHARACTER}{0,17}`,
  "255\\/\\d{13}\\d{0,12}",
  `401\\/${DL_CHARACTER}{0,30}`,
  "402\\/\\d{17}",
  "414\\/\\d{13}",
  `414\\/\\d{13}\\/254\\/${DL_CHARACTER}{0,20}`,
  "417\\/\\d{13}",
  `8003\\/\\d{14}${DL_CHARACTER}{0,16}`,
  `8004\\/${DL_CHARACTER}{0,30}`,
  `8006\\/\\d{18}\\/21\\/${DL_CHARACTER}{0,20}`,
  `8006\\/\\d{18}\\/10\\/${DL_CHARACTER}{0,20}`,
  "8006\\/\\d{18}",
  "8010\\/[#\\-/0-9A-Z]{0,30}\\/8011\\/\\d{0,12}",
  "8010\\/[#\\-/0-9A-Z]{0,30}",
  "8017\\/\\d{18}",
  "8018\\/\\d{18}",
].map(onIdGs1);

/**
 * An EPC URI, EPC class URI, EPC pattern URI or GS1 Digital Link URI as the constrained
 * canonical Digital Link: on https://id.gs1.org whatever the domain was, no query string, no
 * CPV, the lot dropped when a serial is there. Undefined for anything else (kept as written).
 */
function normaliseGs1Identifier(uri: string): string | undefined {
  const firstDot = uri.indexOf(".");
  if (firstDot < 0) return undefined;
  if (uri.startsWith("urn:epc:")) {
    for (const { pattern, keyLength, toDigitalLink } of EPC_SCHEMES) {
      if (!pattern.test(uri)) continue;
      const afterCompany = uri.slice(firstDot + 1);
      const company = uri.slice(uri.lastIndexOf(":", firstDot) + 1, firstDot);
      const reference = afterCompany.slice(0, Math.max(0, keyLength - company.length));
      return ID_GS1 + toDigitalLink({ uri, company, reference, afterCompany, from: (offset) => uri.slice(offset) });
    }
    return undefined;
  }
  return normaliseDigitalLink(uri);
}

function normaliseDigitalLink(uri: string): string | undefined {
  if (!DL_KEY.test(uri)) return undefined;
  let link = uri;
  const query = link.indexOf("?");
  if (query >= 0) link = link.slice(0, query);
  for (const [shortName, ai] of SHORT_NAMES) link = link.split(`/${shortName}/`).join(`/${ai}/`);

  if (!ON_ID_GS1.test(link)) {
    for (const key of DOMAIN_KEYS) {
      const at = link.indexOf(`/${key}/`);
      if (at >= 0) {
        link = ID_GS1 + link.slice(at);
        break;
      }
    }
  }

  if (!/^https:\/\/id.gs1.org\/01\/\d{14}/.test(link)) {
    if (/^https:\/\/id.gs1.org\/01\/\d{13}/.test(link)) link = link.split("/01/").join("/01/0");
    else if (/^https:\/\/id.gs1.org\/01\/\d{12}/.test(link)) link = link.split("/01/").join("/01/00");
    else if (/^https:\/\/id.gs1.org\/01\/\d{8}/.test(link)) link = link.split("/01/").join("/01/000000");
  }

  const cpvAt = link.indexOf("/22/");
  if (CPV_ALONE.test(link)) {
    link = link.slice(0, cpvAt);
  } else if (CPV_THEN_MORE.test(link)) {
    const afterCpv = link.slice(cpvAt + 4);
    link = link.slice(0, cpvAt) + afterCpv.slice(afterCpv.indexOf("/"));
  }

  if (LOT_AND_SERIAL.test(link)) {
    const lotAt = link.indexOf("/10/");
    const afterLot = link.slice(lotAt + 4);
    link = link.slice(0, lotAt) + afterLot.slice(afterLot.indexOf("/"));
  }

  return VALID_DIGITAL_LINKS.some((pattern) => pattern.test(link)) ? link : undefined;
}

// ---------------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
