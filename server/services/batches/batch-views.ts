/**
 * The one place the API, the public pages and the console ask what a batch shows:
 * - read: the batch as the API answers it, from the chain-verified index with each event's
 *   detail (fields private to other organisations hidden from the viewer);
 * - page: what its provenance page shows (its journey back through every batch it was made from),
 *   and pageDependencies: what that page read, so that a kept copy is dropped when any of it changes;
 * - forCreator: the batch as its creator's console shows it, with writes still on their way;
 * - list: the batches on chain, newest first, by GTIN, origin county or producing organisation.
 */
import type { AcceptedBatchReads } from "../../store/accepted-batch-reads";
import type { AncestryReads } from "../../store/ancestry-reads";
import type { BatchListItem, BatchListReads } from "../../store/gateway-reads";
import type { IndexCursor } from "../../store/index-cursor";
import { productLineKey, type IndexRepository } from "../../store/index-repository";
import type { Org, OrgRepository } from "../../store/org-repository";
import type { ProgrammeCountyRepository } from "../../store/programme-county-repository";
import { BatchReader, type AcceptedEvents, type ChainIdentity, type ChainRules, type PrivateValues } from "./batch-reader";
import { creatorView, type BatchCreatorView, type NoCreatorView } from "./creator-view";
import { ProvenanceViews, type ProvenanceView, type PublicContact } from "./provenance-view";

export interface BatchViewSources {
  index: IndexRepository;
  /** The indexed blocks' times (a revocation is dated by its block). */
  blocks: IndexCursor;
  accepted: AcceptedEvents;
  orgs: OrgRepository;
  chain: ChainIdentity;
  counties: ProgrammeCountyRepository;
  creatorReads: AcceptedBatchReads;
  listing: BatchListReads;
  /** The ledger's rules over the chain's events of a batch. */
  rules: ChainRules;
  /** The private values this gateway keeps, by data hash: shown only to the organisation that wrote them. */
  privateValues?: PrivateValues;
  /** The batch's current 承诺达标合格证, shown on its page. */
  promiseCertificate?: (batchId: string) => ProvenanceView["promiseCertificate"];
  /** A batch's whole ancestry, for pageDependencies; without it no page names its dependencies. */
  ancestry?: AncestryReads;
  /**
   * An organisation's public contact by its id (undefined: none set), and the programme office's;
   * the page shows them. Contacts live on the orgs rows, whose changes move every page's key.
   */
  contacts?: { of(orgId: string): PublicContact | undefined; programme(): PublicContact | undefined };
}

/** Ancestors a page names as dependencies at most; a page with more is not kept. */
const MAX_PAGE_ANCESTRY = 1_000;

export interface BatchListQuery {
  gtin?: string;
  countyCode?: string;
  /** The producing organisation, by its id or its address. */
  producer?: string;
  limit: number;
  offset: number;
}

export class BatchViews {
  private readonly reader: BatchReader;
  private readonly pages: ProvenanceViews;

  constructor(private readonly sources: BatchViewSources) {
    this.reader = new BatchReader(sources.index, sources.accepted, sources.orgs, sources.chain, sources.rules, sources.privateValues);
    this.pages = new ProvenanceViews(this.reader, sources.blocks, sources.orgs, sources.counties);
  }

  /** The batch as the API shows it; undefined when the chain has no such batch yet. */
  read(batchId: string, viewer?: Org): ReturnType<BatchReader["read"]> {
    return this.reader.read(batchId, viewer);
  }

  /** Its provenance page; undefined when the chain has no such batch yet. */
  page(batchId: string): ProvenanceView | undefined {
    const view = this.pages.build(batchId);
    if (!view) return undefined;
    const promiseCertificate = this.sources.promiseCertificate?.(view.batch.batchId);
    return { ...view, ...(promiseCertificate ? { promiseCertificate } : {}), ...this.contactsOf(view) };
  }

  /** Each origin's producer once, with what it published of its contact, and the programme office's. */
  private contactsOf(view: ProvenanceView): Pick<ProvenanceView, "contacts"> {
    const contacts = this.sources.contacts;
    if (!contacts) return {};
    const producers = new Map<string, { name: string; contact: PublicContact }>();
    for (const { producer } of view.origins) {
      if (producer?.id && !producers.has(producer.id)) producers.set(producer.id, { name: producer.name, contact: contacts.of(producer.id) ?? {} });
    }
    return { contacts: { producers: [...producers.values()], programme: contacts.programme() } };
  }

  /**
   * The keys (store/batch-versions.ts) of what a batch's page read: the batch and every batch it
   * was made from, however deep (the page follows a few, their recalls and rules reach further),
   * the product lines whose certificates may cover them, and the blocks that date its
   * revocations. What the page shows of batches made from these (their lots, their draws on an
   * input) moves the input's own key. Undefined when the list would be too long to keep.
   */
  pageDependencies(view: ProvenanceView): string[] | undefined {
    const family = this.sources.ancestry?.familyOf(view.batch.batchId, MAX_PAGE_ANCESTRY);
    if (!family) return undefined;
    const keys = new Set<string>();
    for (const member of family) {
      keys.add(member.batchId.toLowerCase());
      if (member.creator !== null && member.gtin !== null) keys.add(productLineKey(member.creator, member.gtin).toLowerCase());
    }
    // A certificate is placed, and a revocation dated, by its block's time.
    for (const entry of view.journey) if (entry.kind === "revocation" || entry.kind === "certification") keys.add(`block:${entry.proof.blockNumber}`);
    return [...keys];
  }

  forCreator(batchId: string, org: Org): BatchCreatorView | NoCreatorView {
    return creatorView(this.sources.creatorReads, (id) => this.reader.read(id)?.creator.address, batchId, org);
  }

  list({ producer, ...filter }: BatchListQuery): { batches: BatchListItem[]; total: number } {
    if (producer === undefined) return this.sources.listing.list(filter);
    const creator = (this.sources.orgs.byId(producer) ?? this.sources.orgs.byAddress(producer))?.address;
    // An organisation the gateway does not know created nothing here.
    if (!creator) return { batches: [], total: 0 };
    return this.sources.listing.list({ ...filter, creator });
  }
}
