/**
 * Turns a validated write request into the ledger events it needs, checked against what the
 * gateway knows: the outbox (accepted events, some still in flight) and the index (the chain).
 * A harvest is one event; processing in place is one event; a split makes one event per new
 * output batch, each naming its inputs. Each event extends the head it will find on chain once
 * everything accepted before it is recorded, so several writes to one batch can be in flight.
 */
import { randomUUID } from "node:crypto";
import { canonicalize } from "../domain/canonical-json";
import { EventKind, ROLES_FOR_KIND, eventKindName, type EventKindNumber } from "../domain/event-kinds";
import { batchIdFor, normalizeGtin, parseBatchId } from "../domain/gs1";
import { keccak256, toUtf8Bytes } from "ethers";
import { isRecalledHead, ZERO_HASH } from "../domain/hashes";
import type { Org } from "../store/org-repository";
import type { BatchStateSource } from "./batch-state";
import type { PlannedEvent, WriteRequest } from "../domain/ledger-types";
import { conflict, forbidden, invalidField, notFound } from "../domain/errors";


const KIND_OF_TYPE: Record<string, EventKindNumber> = {
  harvest: EventKind.Harvest,
  processing: EventKind.Processing,
  shipment: EventKind.Shipment,
  receipt: EventKind.Receipt,
  sale: EventKind.Sale,
  recall: EventKind.Recall,
};

export class EventPlanner {
  constructor(
    private readonly batches: BatchStateSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The events of one write, in order; throws a DomainError when the write is not allowed. */
  plan(org: Org, request: WriteRequest): PlannedEvent[] {
    const kind = KIND_OF_TYPE[request.type === "harvest" ? "harvest" : request.body.type];
    if (!ROLES_FOR_KIND[eventKindName(kind)].includes(org.role)) {
      throw forbidden(`a ${org.role} may not record a ${eventKindName(kind)}`);
    }
    const recordedAt = this.now().toISOString();
    const common = { v: 1, org: { id: org.id, name: org.name, role: org.role, address: org.address }, recordedAt };

    if (request.type === "harvest") {
      const { body } = request;
      const gtin = normalizeGtin(body.product.gtin);
      const batchId = batchIdFor(gtin, body.lot);
      if (this.batches.expectedHead(batchId)) throw conflict(`batch ${gtin}/${body.lot} exists already`, "lot");
      const detail = { ...common, ...body, type: "harvest", batch: { id: batchId, gtin, lot: body.lot }, product: { ...body.product, gtin } };
      return [this.planned(batchId, kind, ZERO_HASH, detail, [])];
    }

    const { batchId, body } = request;
    const head = this.existingHead(batchId, "batchId");
    const batch = { id: batchId, ...parseBatchId(batchId) };
    if (isRecalledHead(head)) throw conflict("the batch is recalled: no further events are accepted", "batchId");
    if (body.type === "recall") {
      const creator = this.batches.creatorOf(batchId);
      if (creator !== org.address) throw forbidden("only the organisation that created the batch may recall it");
      return [this.planned(batchId, kind, head, { ...common, ...body, batch }, [])];
    }
    if (body.type !== "processing") return [this.planned(batchId, kind, head, { ...common, ...body, batch }, [])];

    const others = body.inputs ?? [];
    others.forEach((input, i) => {
      if (input === batchId || others.indexOf(input) !== i) throw invalidField(`inputs[${i}]`, "names this batch or repeats an input");
      if (isRecalledHead(this.existingHead(input, `inputs[${i}]`))) throw conflict("an input batch is recalled", `inputs[${i}]`);
    });
    if (!body.outputs?.length) {
      return [this.planned(batchId, kind, head, { ...common, ...body, batch }, others)];
    }
    const inputs = [batchId, ...others];
    const seen = new Set<string>();
    return body.outputs.map((output, i) => {
      const gtin = normalizeGtin(output.gtin);
      const outputId = batchIdFor(gtin, output.lot);
      if (seen.has(outputId) || this.batches.expectedHead(outputId)) {
        throw conflict(`batch ${gtin}/${output.lot} exists already`, `outputs[${i}].lot`);
      }
      seen.add(outputId);
      const { outputs: _all, inputs: _others, ...step } = body;
      const detail = { ...common, ...step, batch: { id: outputId, gtin, lot: output.lot }, output: { ...output, gtin }, inputs };
      return this.planned(outputId, kind, ZERO_HASH, detail, inputs);
    });
  }

  private existingHead(batchId: string, field: string): string {
    const head = this.batches.expectedHead(batchId);
    if (!head || head === ZERO_HASH) throw notFound(`no batch ${batchId}`, field);
    return head;
  }

  private planned(batchId: string, kind: number, prevHead: string, detail: object, inputs: string[]): PlannedEvent {
    const canonical = canonicalize(detail);
    return {
      id: randomUUID(),
      event: { batchId, kind, prevHead, dataHash: keccak256(toUtf8Bytes(canonical)), inputs },
      detail: canonical,
    };
  }
}
