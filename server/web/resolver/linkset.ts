/**
 * The links the resolver knows for a GS1 Digital Link URI, level by level, and their RFC 9264
 * JSON form (application/linkset+json).
 *
 * A request names up to three levels, most specific first: a unit (/01/{gtin}/10/{lot}/21/
 * {serial}), its batch (/01/{gtin}/10/{lot}) and the product line (/01/{gtin}). Each level is
 * one link context object in the linkset, anchored at its own canonical URI, so that a request
 * with key qualifiers is answered with the links of every level up to the primary key, and a
 * link type asked of a unit is looked for at the unit, then its batch, then its product.
 *
 * Each level has exactly one default link (gs1:defaultLink) carrying a title and nothing else;
 * the same target is also given under a descriptive link type (gs1:pip). Every link carries
 * its target, its link type and a title; the titles are in Chinese and English (`title` in the
 * language of the request, `title*` in both, RFC 9264 section 4.2.4.2), and the pages' links
 * say which languages the page comes in (`hreflang`).
 *
 * Pure functions: the facts of a batch or a product come in, links come out.
 */
import { buildDigitalLink } from "../../domain/gs1-digital-link";
import { GS1_LINK_TYPES, ownLinkType } from "./link-types";
import { RESOLVER_TEXT, type Bilingual } from "./texts";
import type { Lang } from "../../html/i18n";

export const LINKSET_MEDIA_TYPE = "application/linkset+json";
/** GS1's JSON-LD context for linksets (GS1-Conformant Resolver 1.2.0 artefacts; unchanged since 1.0.0). */
export const LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/1.2.0/linkset-context";
export const JSON_LD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context";
/** The languages of the public pages: `hreflang` of every page link. */
export const PAGE_LANGUAGES = ["zh", "en"] as const;

export interface Link {
  /** The link type: a full IRI. */
  rel: string;
  href: string;
  title: Bilingual;
  type?: string;
  hreflang?: readonly string[];
}

/** A link to a certificate, as an extension of this gateway gives it (extraCertificationLinks). */
export interface CertificationLink {
  /** Absolute, or a path on the public base URL. */
  href: string;
  /** In both languages, or one title for both. */
  title: Bilingual | string;
  /** Its media type (text/html, application/json…). */
  type?: string;
  /** The languages of the target (BCP 47 tags). */
  hreflang?: readonly string[];
}

export interface Level {
  kind: "unit" | "batch" | "product";
  /** The level's canonical GS1 Digital Link URI. */
  anchor: string;
  /** The one default link: a title and nothing else. */
  defaultLink: { href: string; title: Bilingual };
  links: Link[];
}

/** What the linkset of a batch is made of (from BatchViews.read). */
export interface BatchFacts {
  batchId: string;
  gtin: string;
  lot: string;
  certifications: ReadonlyArray<{ certificateNo: string; revoked: boolean; dataHash: string }>;
}

export function rootOf(publicBaseUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, "");
}

/** The canonical Digital Link URI of a product, batch or unit on the resolver root. */
export function digitalLinkOf(root: string, gtin: string, lot?: string, serial?: string): string {
  const qualifiers = [...(lot === undefined ? [] : [{ ai: "10", value: lot }]), ...(serial === undefined ? [] : [{ ai: "21", value: serial }])];
  return buildDigitalLink(root, { primary: { ai: "01", value: gtin }, qualifiers });
}

function absolute(root: string, href: string): string {
  return /^https?:\/\//i.test(href) ? href : `${root}${href.startsWith("/") ? "" : "/"}${href}`;
}

function pageLink(href: string, title: Bilingual): Link {
  return { rel: GS1_LINK_TYPES.pip, href, title, type: "text/html", hreflang: PAGE_LANGUAGES };
}

export function productLevel(root: string, gtin: string): Level {
  const t = RESOLVER_TEXT;
  const anchor = digitalLinkOf(root, gtin);
  return {
    kind: "product",
    anchor,
    defaultLink: { href: anchor, title: t.productPage },
    links: [
      pageLink(anchor, t.productPage),
      {
        rel: ownLinkType(root, "batches"),
        href: `${root}/api/v1/batches?gtin=${gtin}`,
        title: t.batchesList,
        type: "application/json",
      },
    ],
  };
}

export function batchLevel(root: string, facts: BatchFacts, extraCertifications: readonly CertificationLink[] = []): Level {
  const t = RESOLVER_TEXT;
  const anchor = digitalLinkOf(root, facts.gtin, facts.lot);
  const certificates: Link[] = facts.certifications.map((c) => ({
    rel: GS1_LINK_TYPES.certificationInfo,
    href: `${root}/api/v1/details/${c.dataHash.toLowerCase()}`,
    title: t.certificate(c.certificateNo, c.revoked),
    type: "application/json",
  }));
  const extras: Link[] = extraCertifications.map((c) => ({
    rel: GS1_LINK_TYPES.certificationInfo,
    href: absolute(root, c.href),
    title: typeof c.title === "string" ? { zh: c.title, en: c.title } : c.title,
    ...(c.type ? { type: c.type } : {}),
    ...(c.hreflang && c.hreflang.length > 0 ? { hreflang: c.hreflang } : {}),
  }));
  return {
    kind: "batch",
    anchor,
    defaultLink: { href: anchor, title: t.batchPage },
    links: [
      pageLink(anchor, t.batchPage),
      {
        rel: GS1_LINK_TYPES.traceability,
        href: `${root}/api/v1/batches/${facts.batchId}/epcis`,
        title: t.traceability,
        type: "application/json",
      },
      ...certificates,
      ...extras,
      {
        rel: GS1_LINK_TYPES.recallStatus,
        href: `${root}/p/${facts.batchId}/recall.json`,
        title: t.recallStatus,
        type: "application/json",
      },
      {
        rel: ownLinkType(root, "labels"),
        href: `${root}/labels/${facts.batchId}`,
        title: t.labels,
        type: "text/html",
        hreflang: PAGE_LANGUAGES,
      },
    ],
  };
}

export function unitLevel(root: string, facts: Pick<BatchFacts, "gtin" | "lot">, serial: string): Level {
  const t = RESOLVER_TEXT;
  const anchor = digitalLinkOf(root, facts.gtin, facts.lot, serial);
  return {
    kind: "unit",
    anchor,
    defaultLink: { href: anchor, title: t.unitPage },
    links: [pageLink(anchor, t.unitPage)],
  };
}

/** The links of one link type, looked for from the most specific level up; gs1:defaultLink is each level's default. */
export function linksOfType(levels: readonly Level[], iri: string): { level: Level; links: Link[] } | undefined {
  for (const level of levels) {
    if (iri === GS1_LINK_TYPES.defaultLink) {
      return { level, links: [{ rel: iri, href: level.defaultLink.href, title: level.defaultLink.title }] };
    }
    const links = level.links.filter((link) => link.rel === iri);
    if (links.length > 0) return { level, links };
  }
  return undefined;
}

/** Every link type the levels have links of (gs1:defaultLink included), most specific level first. */
export function linkTypesOf(levels: readonly Level[]): string[] {
  const types = new Set<string>();
  for (const level of levels) {
    for (const link of level.links) types.add(link.rel);
    types.add(GS1_LINK_TYPES.defaultLink);
  }
  return [...types];
}

type TargetObject = {
  href: string;
  title: string;
  "title*"?: Array<{ value: string; language: string }>;
  type?: string;
  hreflang?: string[];
};

function targetObject(link: Link, lang: Lang): TargetObject {
  return {
    href: link.href,
    title: link.title[lang],
    "title*": [
      { value: link.title.zh, language: "zh" },
      { value: link.title.en, language: "en" },
    ],
    ...(link.type ? { type: link.type } : {}),
    ...(link.hreflang ? { hreflang: [...link.hreflang] } : {}),
  };
}

/**
 * One link context object (RFC 9264 section 4.2.2): the anchor, each link type's target objects,
 * then the default link. (No "description" member: RFC 9264 reads every member but the anchor
 * as a link relation type, whose value is an array of target objects.)
 */
export function linkContextObject(level: Level, lang: Lang, only?: string): Record<string, unknown> {
  const object: Record<string, unknown> = { anchor: level.anchor };
  for (const link of level.links) {
    if (only !== undefined && link.rel !== only) continue;
    const targets = (object[link.rel] as TargetObject[] | undefined) ?? [];
    targets.push(targetObject(link, lang));
    object[link.rel] = targets;
  }
  if (only === undefined || only === GS1_LINK_TYPES.defaultLink) {
    // The default link carries a title and no other attribute.
    object[GS1_LINK_TYPES.defaultLink] = [{ href: level.defaultLink.href, title: level.defaultLink.title[lang] }];
  }
  return object;
}

/** The RFC 9264 JSON document of the levels' links (`only`: the links of one type). */
export function linksetDocument(levels: readonly Level[], lang: Lang, only?: string): { linkset: Array<Record<string, unknown>> } {
  return { linkset: levels.map((level) => linkContextObject(level, lang, only)) };
}

export interface HeaderLink {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

/** An HTTP Link header (RFC 8288) of the given links; titles are ASCII here, so `title` needs no `title*`. */
export function linkHeader(links: readonly HeaderLink[]): string {
  const quote = (value: string) => `"${value.replace(/["\\]/g, "\\$&")}"`;
  return links
    .map((link) => [`<${link.href}>`, `rel=${quote(link.rel)}`, ...(link.type ? [`type=${quote(link.type)}`] : []), ...(link.title ? [`title=${quote(link.title)}`] : [])].join("; "))
    .join(", ");
}

/** The address of a level's linkset: its anchor with linkType=linkset. */
export function linksetUrl(anchor: string): string {
  return `${anchor}?linkType=linkset`;
}
