/**
 * The GS1-Conformant resolver of the public web: what a GS1 Digital Link URI on this gateway
 * answers (GS1-Conformant Resolver standard 1.1/1.2, on GS1 Digital Link URI Syntax 1.4).
 *
 * Every /01/… request is read with the Digital Link parser: any key qualifiers (22, 10, 21,
 * 235), data attributes in the query, a GTIN written with 8, 12, 13 or 14 digits. A batch is
 * named by its GTIN and lot, a unit by its serial besides; a GTIN alone names the product line.
 *
 * - Without a linkType, a browser gets the default link: the batch's (or unit's, or product
 *   line's) own page, served here rather than redirected to, since this gateway is where that
 *   page lives; a URI of another form (a shorter GTIN, a variant (22) the ledger does not tell
 *   apart) is redirected to it. A client that prefers application/linkset+json or
 *   application/json gets the linkset instead. Either way the Link header names the linkset
 *   (rel="linkset") and the resolver description (rel="service-desc").
 * - linkType=linkset (or all, its earlier name): the linkset, RFC 9264's JSON form, with every
 *   level up to the GTIN (linkset.ts).
 * - linkType={a link type}: 307 to its link, looked for from the most specific level up, with the
 *   rest of the query passed on; 300 with the list when several links of it are equally good
 *   (certificates); 404 with the linkset named when there is none.
 * - A URI the parser refuses: 400 with the problem for a client that asked for JSON; the
 *   friendly not-found page (404) for a browser. A valid URI that names nothing on the ledger:
 *   404, still naming the resolver description.
 *
 * Pages themselves (and a unit's scan count, which only a GET of its page moves) stay with
 * web-routes.ts: the resolver decides which page, and asks for it.
 */
import type { Request, Response } from "express";
import { batchIdFor, Gs1Error, parseBatchId } from "../../domain/gs1";
import { encodeDigitalLinkValue, type DigitalLink } from "../../domain/gs1-digital-link";
import { chooseLanguage, MESSAGES, type Lang } from "../../html/i18n";
import { renderNotFoundPage } from "../../html/not-found-page";
import type { BatchViews } from "../../services/batches/batch-views";
import { descriptionUrl, resolverDescription } from "./description";
import { curieOf, parseLinkTypeParameter, type LinkTypeRequest } from "./link-types";
import {
  batchLevel,
  digitalLinkOf,
  JSON_LD_CONTEXT_REL,
  LINKSET_CONTEXT,
  LINKSET_MEDIA_TYPE,
  linkHeader,
  linksetDocument,
  linksetUrl,
  linksOfType,
  linkTypesOf,
  productLevel,
  rootOf,
  unitLevel,
  type BatchFacts,
  type CertificationLink,
  type HeaderLink,
  type Level,
  type Link,
} from "./linkset";
import { allowCrossOrigin, linksetMediaType, preferredRepresentation } from "./negotiation";
import { passedOnQuery, rawQueryOf, readRequestLink, withQuery, type RefusalReason } from "./request-link";
import { renderLinkList, renderProductPage } from "./resolver-pages";
import { RESOLVER_TEXT } from "./texts";

export interface ResolverDeps {
  batches: Pick<BatchViews, "read" | "page" | "list">;
  publicBaseUrl: string;
  /** Links to a batch's certificates besides its 圳品 certificates on the ledger (gs1:certificationInfo). */
  extraCertificationLinks?: (batchId: string) => readonly CertificationLink[];
  /** Sends a batch's page (200, or 304) with these headers; false when the ledger has no such batch. */
  sendBatchPage(req: Request, res: Response, batchId: string, headers: Record<string, string>): boolean;
  /** Sends a unit's page (a GET counts a scan) with these headers; false when the ledger has no such batch. */
  sendUnitPage(req: Request, res: Response, batchId: string, serial: string, headers: Record<string, string>): boolean;
}

const CACHE = "public, max-age=60";
const VARY = "Accept, Accept-Language";
/** Batches a product line's page lists, newest first. */
const PRODUCT_PAGE_BATCHES = 50;

type Asked = LinkTypeRequest | { kind: "default" };

export class DigitalLinkResolver {
  private readonly root: string;
  private readonly origin: string;
  private readonly description: HeaderLink;

  constructor(private readonly deps: ResolverDeps) {
    this.root = rootOf(deps.publicBaseUrl);
    this.origin = new URL(this.root).origin;
    this.description = { href: descriptionUrl(deps.publicBaseUrl), rel: "service-desc", type: "application/json" };
  }

  /** GET and HEAD of any /01/… path. */
  resolve = (req: Request, res: Response): void => {
    allowCrossOrigin(res);
    res.set("Vary", VARY);
    const lang = languageOf(req);
    const query = rawQueryOf(req.originalUrl);
    const representation = preferredRepresentation(req);
    const rawLinkType = typeof req.query.linkType === "string" ? req.query.linkType : undefined;
    const json = representation !== "html" || (rawLinkType !== undefined && parseLinkTypeParameter(rawLinkType, this.root).kind === "linkset");

    const read = readRequestLink(this.origin, req.path, query);
    if (!read.ok) {
      this.refuse(req, res, lang, json, read.reason, read.problem);
      return;
    }
    const link = read.link;
    if (link.primary.ai !== "01" || link.gtin14 === undefined) {
      this.refuse(req, res, lang, json, "path", { field: "path", message: "this resolver answers for GTINs (01) only" });
      return;
    }
    const linkType = link.other.find((p) => p.name === "linkType")?.value;
    const asked: Asked = linkType !== undefined ? parseLinkTypeParameter(linkType, this.root) : representation === "html" ? { kind: "default" } : { kind: "linkset" };
    if (link.lot === undefined) {
      this.resolveProduct(req, res, { lang, json, query, link, path: read.path, asked, gtin: link.gtin14 });
      return;
    }
    let batchId: string;
    try {
      batchId = batchIdFor(link.gtin14, link.lot);
    } catch (error) {
      if (!(error instanceof Gs1Error)) throw error;
      this.refuse(req, res, lang, json, "lot", { field: "10", message: error.message });
      return;
    }
    this.resolveBatch(req, res, { lang, json, query, link, path: read.path, asked, gtin: link.gtin14, lot: link.lot, serial: link.serial, batchId });
  };

  /** GET and HEAD of /.well-known/gs1resolver. */
  describe = (_req: Request, res: Response): void => {
    allowCrossOrigin(res);
    res.set("Cache-Control", "public, max-age=3600").type("application/json").send(JSON.stringify(resolverDescription(this.deps.publicBaseUrl), null, 2));
  };

  /** GET and HEAD of /p/{batchId}/recall.json: the gs1:recallStatus link's target. */
  recallStatus = (req: Request, res: Response): void => {
    allowCrossOrigin(res);
    let batchId: string;
    try {
      parseBatchId(String(req.params.batchId));
      batchId = String(req.params.batchId).toLowerCase();
    } catch (error) {
      if (!(error instanceof Gs1Error)) throw error;
      res.status(400).json({ error: { code: "invalid_field", field: "batchId", message: error.message } });
      return;
    }
    const view = this.deps.batches.page(batchId);
    if (!view) {
      res.set("Link", linkHeader([this.description])).status(404).json({ error: { code: "not_found", message: `no batch ${batchId} on the ledger` }, resolver: this.description.href });
      return;
    }
    const { gtin, lot, recall } = view.batch;
    const digitalLink = digitalLinkOf(this.root, gtin, lot);
    res
      .set({ "Cache-Control": CACHE, Link: linkHeader([{ href: digitalLink, rel: "describes" }, this.description]) })
      .type("application/json")
      .send(
        JSON.stringify({
          batchId,
          digitalLink,
          recalled: recall.recalled,
          recalledItself: recall.self,
          recalledThroughInputs: recall.viaInputs.map((input) => {
            const ids = parseBatchId(input);
            return { batchId: input, digitalLink: digitalLinkOf(this.root, ids.gtin, ids.lot) };
          }),
          recalls: view.recalls.map((r) => ({ lot: r.lot, own: r.own, reason: r.reason })),
        }),
      );
  };

  private resolveBatch(
    req: Request,
    res: Response,
    r: { lang: Lang; json: boolean; query: string; link: DigitalLink; path: string; asked: Asked; gtin: string; lot: string; serial?: string; batchId: string },
  ): void {
    const target = digitalLinkOf(this.root, r.gtin, r.lot, r.serial);
    if (r.asked.kind === "default") {
      const targetPath = `/01/${r.gtin}/10/${encodeDigitalLinkValue(r.lot)}${r.serial === undefined ? "" : `/21/${encodeDigitalLinkValue(r.serial)}`}`;
      const headers = { Vary: VARY, Link: linkHeader([{ href: linksetUrl(target), rel: "linkset", type: LINKSET_MEDIA_TYPE }, this.description]) };
      if (r.path === targetPath) {
        // The default link is this very URI: its page is served here.
        const sent = r.serial === undefined ? this.deps.sendBatchPage(req, res, r.batchId, headers) : this.deps.sendUnitPage(req, res, r.batchId, r.serial, headers);
        if (!sent) this.missing(req, res, r.lang, r.json, r.gtin, `no batch ${r.lot} of GTIN ${r.gtin} on the ledger`);
        return;
      }
      if (!this.deps.batches.read(r.batchId)) {
        this.missing(req, res, r.lang, r.json, r.gtin, `no batch ${r.lot} of GTIN ${r.gtin} on the ledger`);
        return;
      }
      this.redirectToDefault(res, r.link, targetPath, target, r.query, headers);
      return;
    }
    const facts = this.deps.batches.read(r.batchId);
    if (!facts) {
      this.missing(req, res, r.lang, r.json, r.gtin, `no batch ${r.lot} of GTIN ${r.gtin} on the ledger`);
      return;
    }
    const batch: BatchFacts = {
      batchId: r.batchId,
      gtin: r.gtin,
      lot: r.lot,
      certifications: facts.certifications.map((c) => ({ certificateNo: c.certificateNo, revoked: c.revoked, dataHash: c.proof.dataHash })),
    };
    const levels = [
      ...(r.serial === undefined ? [] : [unitLevel(this.root, batch, r.serial)]),
      batchLevel(this.root, batch, this.deps.extraCertificationLinks?.(r.batchId) ?? []),
      productLevel(this.root, r.gtin),
    ];
    this.answer(req, res, r, levels);
  }

  private resolveProduct(req: Request, res: Response, r: { lang: Lang; json: boolean; query: string; link: DigitalLink; path: string; asked: Asked; gtin: string }): void {
    const listed = this.deps.batches.list({ gtin: r.gtin, limit: r.asked.kind === "default" ? PRODUCT_PAGE_BATCHES : 1, offset: 0 });
    if (listed.total === 0) {
      this.missing(req, res, r.lang, r.json, undefined, `no batch of GTIN ${r.gtin} on the ledger`);
      return;
    }
    const level = productLevel(this.root, r.gtin);
    if (r.asked.kind !== "default") {
      this.answer(req, res, r, [level]);
      return;
    }
    const targetPath = `/01/${r.gtin}`;
    const headers = { Vary: VARY, Link: linkHeader([{ href: linksetUrl(level.anchor), rel: "linkset", type: LINKSET_MEDIA_TYPE }, this.description]) };
    if (r.path !== targetPath) {
      this.redirectToDefault(res, r.link, targetPath, level.anchor, r.query, headers);
      return;
    }
    const body = renderProductPage({
      lang: r.lang,
      path: req.path,
      gtin: r.gtin,
      level,
      batches: listed.batches,
      total: listed.total,
      batchUri: (batch) => digitalLinkOf(this.root, r.gtin, batch.lot),
    });
    res.set({ ...headers, "Cache-Control": CACHE }).status(200).type("html").send(body);
  }

  /**
   * Another form of a level's URI: a GTIN written short is the same URI (301, as before); a URI
   * with qualifiers that name no level of their own walks up to the level's default link (307).
   */
  private redirectToDefault(res: Response, link: DigitalLink, targetPath: string, target: string, query: string, headers: Record<string, string>): void {
    res.set(headers);
    if (link.canonicalPath === targetPath) {
      res.redirect(301, withQuery(targetPath, query));
      return;
    }
    res.redirect(307, withQuery(target, passedOnQuery(query)));
  }

  /** The linkset, or the link of the type asked for. */
  private answer(req: Request, res: Response, r: { lang: Lang; query: string; asked: Asked }, levels: Level[]): void {
    const asked = r.asked;
    if (asked.kind === "linkset" || asked.kind === "default") {
      res
        .set({
          "Cache-Control": CACHE,
          Link: linkHeader([{ href: LINKSET_CONTEXT, rel: JSON_LD_CONTEXT_REL, type: "application/ld+json" }, this.description]),
        })
        .status(200)
        .type(linksetMediaType(req))
        .send(JSON.stringify(linksetDocument(levels, r.lang)));
      return;
    }
    res.set("Link", linkHeader([{ href: linksetUrl(levels[0].anchor), rel: "linkset", type: LINKSET_MEDIA_TYPE }, this.description]));
    const typeName = asked.kind === "type" ? curieOf(asked.iri, this.root) : asked.value;
    const found = asked.kind === "type" ? linksOfType(levels, asked.iri) : undefined;
    const html = preferredRepresentation(req) === "html";
    if (!found) {
      res.status(404);
      if (html) {
        res.type("html").send(renderLinkList({ lang: r.lang, path: req.path, kind: "none", typeName, links: allLinks(levels) }));
      } else {
        res.json({
          error: { code: "not_found", message: `${RESOLVER_TEXT.notFound.en.noLinkType(typeName)} for ${levels[0].anchor}` },
          linkset: linksetUrl(levels[0].anchor),
          linkTypes: linkTypesOf(levels).map((iri) => curieOf(iri, this.root)),
          resolver: this.description.href,
        });
      }
      return;
    }
    if (found.links.length === 1) {
      res.redirect(307, withQuery(found.links[0].href, passedOnQuery(r.query)));
      return;
    }
    // Links of one type that nothing in the request tells apart (several certificates): the client chooses.
    res.status(300).set("Cache-Control", CACHE);
    if (html) res.type("html").send(renderLinkList({ lang: r.lang, path: req.path, kind: "choices", typeName, links: found.links }));
    else res.type(linksetMediaType(req)).send(JSON.stringify(linksetDocument([found.level], r.lang, asked.kind === "type" ? asked.iri : undefined)));
  }

  /** A URI the parser refuses: 400 with the problem for a client that asked for JSON; the friendly page (404) for a browser. */
  private refuse(req: Request, res: Response, lang: Lang, json: boolean, reason: RefusalReason, problem: { field: string; message: string }): void {
    res.set("Link", linkHeader([this.description]));
    if (json) {
      res.status(400).json({ error: { code: "invalid_digital_link", field: problem.field, message: problem.message }, resolver: this.description.href });
      return;
    }
    res.status(404).type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].reasons[reason]));
  }

  /** A valid URI that names nothing on the ledger: 404, naming the resolver description and, for a batch of a known product, the product line. */
  private missing(req: Request, res: Response, lang: Lang, json: boolean, gtin: string | undefined, message: string): void {
    const up = gtin !== undefined && this.deps.batches.list({ gtin, limit: 1, offset: 0 }).total > 0 ? digitalLinkOf(this.root, gtin) : undefined;
    res.set("Link", linkHeader([this.description, ...(up ? [{ href: up, rel: "up" }] : [])]));
    res.status(404);
    if (json) {
      res.json({ error: { code: "not_found", message }, resolver: this.description.href, ...(up ? { up } : {}) });
      return;
    }
    res.type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].reasons.missing));
  }
}

function languageOf(req: Request): Lang {
  return chooseLanguage(req.query.lang, req.get("Accept-Language"));
}

/** Every link of the levels, the default links among them, each target once per type. */
function allLinks(levels: readonly Level[]): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const level of levels) {
    for (const link of level.links) {
      const key = `${link.rel} ${link.href}`;
      if (seen.has(key)) continue;
      seen.add(key);
      links.push(link);
    }
  }
  return links;
}
