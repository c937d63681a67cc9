/**
 * The link types the resolver answers for, and how a request's `linkType` parameter names one.
 *
 * GS1's link types are terms of the GS1 Web Vocabulary (https://ref.gs1.org/voc/). A linkset
 * names each by its full IRI under that namespace; a request may name it as a CURIE
 * (`linkType=gs1:pip`) or as a full IRI in any of the spellings the vocabulary lists as
 * equivalent (https://gs1.org/voc/pip, https://www.gs1.org/voc/pip…), which are read as one.
 *
 * Two link types GS1's vocabulary has no term for are our own, under a namespace this
 * gateway declares in its resolver description (description.ts) with the prefix `ledger:` —
 * {resolverRoot}/voc/, so that the namespace is served by the same deployment that uses it:
 *   ledger:labels   the batch's printable label sheet (/labels/{batchId});
 *   ledger:batches  a product's batches on the ledger (/api/v1/batches?gtin=…), JSON.
 * (The resolver standard lets a resolver recognise namespaces besides GS1's, provided their
 * link types do not duplicate GS1's; neither of these does.)
 */

export const GS1_VOCABULARY = "https://ref.gs1.org/voc/";

/** Spellings of the GS1 Web Vocabulary namespace that name the same terms (the vocabulary's "equivalent property"). */
const GS1_VOCABULARY_SPELLINGS = [
  "https://ref.gs1.org/voc/",
  "http://ref.gs1.org/voc/",
  "https://gs1.org/voc/",
  "http://gs1.org/voc/",
  "https://www.gs1.org/voc/",
  "http://www.gs1.org/voc/",
];

export const GS1_PREFIX = "gs1";
export const OWN_PREFIX = "ledger";

/** The GS1 link types this resolver serves links of, as full IRIs. */
export const GS1_LINK_TYPES = {
  defaultLink: `${GS1_VOCABULARY}defaultLink`,
  pip: `${GS1_VOCABULARY}pip`,
  traceability: `${GS1_VOCABULARY}traceability`,
  certificationInfo: `${GS1_VOCABULARY}certificationInfo`,
  recallStatus: `${GS1_VOCABULARY}recallStatus`,
} as const;

/** Our own link types' local names, under ownNamespace(resolverRoot). */
export const OWN_LINK_TYPE_NAMES = { labels: "labels", batches: "batches" } as const;

/** The namespace of our own link types: {resolverRoot}/voc/. */
export function ownNamespace(resolverRoot: string): string {
  return `${resolverRoot.replace(/\/+$/, "")}/voc/`;
}

export function ownLinkType(resolverRoot: string, name: keyof typeof OWN_LINK_TYPE_NAMES): string {
  return `${ownNamespace(resolverRoot)}${OWN_LINK_TYPE_NAMES[name]}`;
}

/**
 * What a `linkType` parameter asks for: the linkset itself (`linkset`, and `all`, its name
 * before GS1-Conformant Resolver 1.0), one link type by its full IRI, or a value that names no
 * link type this resolver knows (answered as a type it has no link of).
 */
export type LinkTypeRequest = { kind: "linkset" } | { kind: "type"; iri: string } | { kind: "unknown"; value: string };

const LOCAL_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export function parseLinkTypeParameter(value: string, resolverRoot: string): LinkTypeRequest {
  if (value === "linkset" || value === "all") return { kind: "linkset" };
  const own = ownNamespace(resolverRoot);
  const curie = /^([A-Za-z_][A-Za-z0-9_-]*):(.+)$/.exec(value);
  if (curie && !value.includes("//")) {
    const [, prefix, name] = curie;
    if (!LOCAL_NAME.test(name)) return { kind: "unknown", value };
    if (prefix === GS1_PREFIX) return { kind: "type", iri: `${GS1_VOCABULARY}${name}` };
    if (prefix === OWN_PREFIX) return { kind: "type", iri: `${own}${name}` };
    return { kind: "unknown", value };
  }
  for (const spelling of GS1_VOCABULARY_SPELLINGS) {
    if (value.startsWith(spelling) && LOCAL_NAME.test(value.slice(spelling.length))) {
      return { kind: "type", iri: `${GS1_VOCABULARY}${value.slice(spelling.length)}` };
    }
  }
  if (value.startsWith(own) && LOCAL_NAME.test(value.slice(own.length))) return { kind: "type", iri: value };
  return { kind: "unknown", value };
}

/** The short name of a link type IRI for people and error messages: `gs1:pip`, `ledger:labels`, or the IRI. */
export function curieOf(iri: string, resolverRoot: string): string {
  if (iri.startsWith(GS1_VOCABULARY)) return `${GS1_PREFIX}:${iri.slice(GS1_VOCABULARY.length)}`;
  const own = ownNamespace(resolverRoot);
  if (iri.startsWith(own)) return `${OWN_PREFIX}:${iri.slice(own.length)}`;
  return iri;
}
