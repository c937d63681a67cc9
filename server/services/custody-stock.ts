/**
 * What an organisation holds, batch by batch, by the ledger's rules over everything accepted:
 * how much of each batch it has, what is on its way to it, and which of it is affected by a
 * recall of the batch itself or of a batch it was made from (the stock a counter must take off
 * its shelves).
 */
import { parseBatchId } from "../domain/gs1";
import type { LedgerEntryReads } from "../store/ledger-entry-reads";
import type { Org } from "../store/org-repository";
import type { ShipmentTo, StockReads } from "../store/stock-reads";
import { LedgerFacts } from "./ledger-rules/ledger-facts";
import type { Quantity } from "./ledger-rules/quantities";

/** Batches looked at, newest first: stock is what arrived lately. */
const CANDIDATES = 1_000;

export interface StockItem {
  batchId: string;
  gtin: string;
  lot: string;
  product: string | null;
  /** What the organisation holds now (undefined: none). */
  held?: Quantity;
  /** What is on its way to it (undefined: nothing). */
  arriving?: Quantity;
  /** The batch's own recall, or the nearest recalled batch it was made from. */
  recall?: { lot: string; own: boolean; reason: string | null };
}

/** A shipment on its way to the organisation, not received yet. */
export interface InboxItem extends ShipmentTo {
  gtin: string;
  lot: string;
  product: string | null;
  /** How much is on its way by this shipment, in the batch's own unit. */
  quantity: Quantity;
  /** The batch, or one it was made from, is recalled: it may not be received. */
  recalled: boolean;
}

export class CustodyStock {
  constructor(
    private readonly stock: StockReads,
    private readonly entries: LedgerEntryReads,
    private readonly isAdmin: (address: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** The batches the organisation holds or has on its way, newest first. */
  of(org: Org): StockItem[] {
    const facts = new LedgerFacts(this.entries, "accepted", { isAdmin: this.isAdmin, now: this.now() });
    const address = org.address.toLowerCase();
    const items: StockItem[] = [];
    for (const batchId of this.stock.candidates(org.id, CANDIDATES)) {
      const ledger = facts.ledger(batchId);
      const held = ledger.holders().find((h) => h.address === address)?.quantity;
      const arriving = ledger.inTransit().filter((t) => t.toAddress === address);
      if (!held && arriving.length === 0) continue;
      const { gtin, lot } = parseBatchId(batchId);
      const upstream = ledger.recalledAncestor();
      items.push({
        batchId,
        gtin,
        lot,
        product: ledger.productName ?? null,
        held,
        arriving: arriving.length ? { amount: arriving.reduce((sum, t) => sum + t.quantity.amount, 0), unit: arriving[0].quantity.unit } : undefined,
        recall: ledger.recall
          ? { lot, own: true, reason: ledger.recall.reason }
          : upstream
            ? { lot: upstream.lot, own: false, reason: upstream.reason }
            : undefined,
      });
    }
    return items;
  }

  /**
   * What was shipped to the organisation and is not received yet, shipment by shipment, newest
   * first: the shipments naming it as consignee that the rules still count as on their way to it
   * (a receipt takes over everything on its way to the receiver, so a received one drops out).
   */
  inbox(org: Org): InboxItem[] {
    const facts = new LedgerFacts(this.entries, "accepted", { isAdmin: this.isAdmin, now: this.now() });
    const address = org.address.toLowerCase();
    const items: InboxItem[] = [];
    for (const shipment of this.stock.shipmentsTo(org.id, CANDIDATES)) {
      const ledger = facts.ledger(shipment.batchId);
      const transit = ledger.inTransit().find((t) => t.toAddress === address && t.ref.toLowerCase() === shipment.dataHash.toLowerCase());
      if (!transit) continue;
      const { gtin, lot } = parseBatchId(shipment.batchId);
      const upstream = ledger.recalledAncestor();
      items.push({
        ...shipment,
        gtin,
        lot,
        product: ledger.productName ?? null,
        quantity: transit.quantity,
        recalled: ledger.recall !== undefined || upstream !== undefined,
      });
    }
    return items;
  }

  /** The part of it a recall reaches. */
  affected(org: Org): StockItem[] {
    return this.of(org).filter((item) => item.recall !== undefined);
  }
}
