/**
 * Accepting writes: plan the events, sign them with the organisation's custodial key (or take
 * the organisation's own signatures), and commit them to the outbox, with the public detail in
 * event_details and its private fields' values and salts in private_fields. Planning, signing and
 * committing run in one SQLite transaction (shared with the writes that arrived alongside, see
 * GroupCommit), so concurrent writes to one batch chain correctly, and a write is acknowledged
 * only once it is durable. An Idempotency-Key's answer is stored in that same transaction.
 */
import { recoverAddress, type TypedDataDomain } from "ethers";
import { signDigest } from "../chain/sign-digest";
import { chainStep, eventDigest, eventStructHash, toSignedEventStruct } from "../chain/typed-data";
import { ZERO_HASH } from "../domain/hashes";
import type { ChainTip } from "./batch-state";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { EventDetails } from "../store/event-details";
import type { PrivateFieldRepository } from "../store/private-field-repository";
import type { GroupCommit } from "../store/group-commit";
import type { Idempotency, IdempotencyRepository, StoredAnswer } from "../store/idempotency-repository";

export type { Idempotency } from "../store/idempotency-repository";
import type { Org } from "../store/org-repository";
import type { NewOutboxEvent } from "../store/outbox-repository";
import { DomainError, conflict, forbidden, idempotencyMismatch, invalidField } from "../domain/errors";
import type { EventPlanner } from "./event-planner";
import type { RoleGuard } from "./role-standing";
import type { PlannedEvent, WriteRequest } from "../domain/ledger-types";
import { valuesInTheClear } from "../domain/private-fields";

/** Where accepted events go: the outbox (a narrow view of OutboxRepository). */
export interface OutboxSink {
  insert(event: NewOutboxEvent): void;
}

export interface AcceptedWrite {
  eventId: string;
  batchId: string;
  status: "pending";
  events: { eventId: string; batchId: string }[];
}

export class EventService {
  constructor(
    private readonly details: EventDetails,
    private readonly planner: EventPlanner,
    private readonly outbox: OutboxSink,
    private readonly answers: IdempotencyRepository,
    private readonly keys: CustodialKeys,
    private readonly domain: TypedDataDomain,
    private readonly commits: GroupCommit,
    /** The values and salts of private fields, kept apart from the public details. */
    private readonly privateFields: Pick<PrivateFieldRepository, "put">,
    /** Where each batch's chain stands once everything accepted is recorded: what an event extends. */
    private readonly tipOf: (batchId: string) => ChainTip | undefined,
    /** Refuses an organisation whose role the chain revoked, before anything is signed. */
    private readonly roles?: Pick<RoleGuard, "assertHeld">,
    /**
     * Runs inside the write's transaction once its events are committed, with the writer's key
     * where the gateway signed for it (promise certificates: issued for a processing's outputs,
     * collected with a receipt). What it throws refuses the write.
     */
    private readonly committed?: (org: Org, planned: PlannedEvent[], privateKey?: string) => void,
  ) {}

  /** A write by an organisation whose key the gateway keeps. */
  async writeCustodial(org: Org, request: WriteRequest, idempotency?: Idempotency): Promise<StoredAnswer> {
    if (!org.custodial || !org.keystore) {
      throw forbidden("this organisation signs its own events: use the signing requests route");
    }
    this.roles?.assertHeld(org);
    const wallet = await this.keys.unlock(org.address, org.keystore);
    return this.commits.run(() => this.once(org, idempotency, () => {
      const planned = this.planner.plan(org, request);
      for (const p of planned) {
        const structHash = eventStructHash(p.event);
        const signature = signDigest(wallet.privateKey, eventDigest(this.domain, p.event, structHash)).serialized;
        this.commit(org, p, signature, structHash);
      }
      this.committed?.(org, planned, wallet.privateKey);
      return accepted(planned);
    }));
  }

  /**
   * Several writes of one custodial organisation, all or none (an EPCIS document): planned,
   * signed and committed in turn in ONE transaction, each seeing the ones before it, so that a
   * document may create a lot and ship it. `skip(i)` leaves a write out (captured before);
   * `recorded(i, events)` runs in the same transaction. The first refusal throws a WriteRefusal
   * naming its write, and nothing of any write is kept.
   */
  async writeCustodialAll(
    org: Org,
    requests: readonly WriteRequest[],
    hooks: { skip(index: number): boolean; recorded(index: number, events: PlannedEvent[]): void; finally?(): void },
  ): Promise<Array<PlannedEvent[] | undefined>> {
    if (!org.custodial || !org.keystore) {
      throw forbidden("this organisation signs its own events: use the signing requests route");
    }
    this.roles?.assertHeld(org);
    const wallet = await this.keys.unlock(org.address, org.keystore);
    return this.commits.run(() => {
      const written = requests.map((request, index) => {
        if (hooks.skip(index)) return undefined;
        let planned: PlannedEvent[];
        try {
          planned = this.planner.plan(org, request);
        } catch (error) {
          if (error instanceof DomainError) throw new WriteRefusal(index, error);
          throw error;
        }
        for (const p of planned) {
          const structHash = eventStructHash(p.event);
          this.commit(org, p, signDigest(wallet.privateKey, eventDigest(this.domain, p.event, structHash)).serialized, structHash);
        }
        this.committed?.(org, planned, wallet.privateKey);
        hooks.recorded(index, planned);
        return planned;
      });
      hooks.finally?.();
      return written;
    });
  }

  /**
   * A write by the programme office under the ledger admin's own signature: a correction or a
   * recall of any batch. `admin` is the admin's organisation row and key.
   */
  async writeAsAdmin(admin: { org: Org; privateKey: string }, request: WriteRequest, idempotency?: Idempotency): Promise<StoredAnswer> {
    this.roles?.assertHeld(admin.org);
    return this.commits.run(() => this.once(admin.org, idempotency, () => {
      const planned = this.planner.plan(admin.org, request);
      for (const p of planned) {
        const structHash = eventStructHash(p.event);
        const signature = signDigest(admin.privateKey, eventDigest(this.domain, p.event, structHash)).serialized;
        this.commit(admin.org, p, signature, structHash);
      }
      return accepted(planned);
    }));
  }

  /** Plans a write for an organisation that signs itself; nothing is stored. */
  prepare(org: Org, request: WriteRequest): PlannedEvent[] {
    this.roles?.assertHeld(org);
    return this.planner.plan(org, request);
  }

  /**
   * Commits events an organisation planned with `prepare` and signed itself; the caller runs it
   * inside a transaction (a GroupCommit job). Each must still
   * extend the head it was planned on (else 409: prepare again) and be signed by the
   * organisation's address.
   */
  submitSigned(
    org: Org,
    events: { planned: PlannedEvent; signature: string }[],
    expectedHead: (batchId: string) => string | undefined,
    idempotency?: Idempotency,
  ): StoredAnswer {
    this.roles?.assertHeld(org);
    return this.once(org, idempotency, () => {
      events.forEach(({ planned, signature }, i) => {
        const current = expectedHead(planned.event.batchId);
        const isNew = planned.event.prevHead === ZERO_HASH;
        if ((isNew && current) || (!isNew && current !== planned.event.prevHead)) {
          throw conflict("the batch moved on since this was prepared: prepare it again", `events[${i}]`);
        }
        let signer: string;
        try {
          signer = recoverAddress(eventDigest(this.domain, planned.event), signature);
        } catch {
          throw invalidField(`signatures[${i}]`, "is not a signature");
        }
        if (signer !== org.address) throw invalidField(`signatures[${i}]`, `is signed by ${signer}, not by ${org.address}`);
        this.commit(org, planned, signature);
      });
      this.committed?.(org, events.map((e) => e.planned));
      return accepted(events.map((e) => e.planned));
    });
  }

  private commit(org: Org, planned: PlannedEvent, signature: string, structHash = eventStructHash(planned.event)): void {
    const signed = toSignedEventStruct(planned.event, signature);
    const creates = planned.event.prevHead === ZERO_HASH;
    const { head, link, custody } = chainStep(planned.event, org.address, creates ? undefined : this.tipOf(planned.event.batchId)?.custody, structHash);
    this.details.put(planned.event.dataHash, planned.detail);
    // In the same transaction as the event: a commitment on chain always has its opening here.
    // (A request prepared before commitments has none: its amounts are in the clear.)
    this.privateFields.put(planned.event.dataHash, planned.privateValues ?? valuesInTheClear(JSON.parse(planned.detail) as Record<string, unknown>));
    this.outbox.insert({
      id: planned.id,
      batchId: planned.event.batchId,
      kind: planned.event.kind,
      orgId: org.id,
      signer: org.address,
      prevHead: planned.event.prevHead,
      head,
      counterparty: planned.event.counterparty,
      link,
      custody,
      dataHash: planned.event.dataHash,
      detail: planned.detail,
      inputs: planned.event.inputs,
      r: signed.r,
      s: signed.s,
      v: signed.v,
    });
  }

  /** Runs `write` in one transaction, answering a repeated Idempotency-Key with the first answer. */
  private once(org: Org, idempotency: Idempotency | undefined, write: () => AcceptedWrite): StoredAnswer {
    return this.answers.answerOnce(org.id, idempotency, 202, write, idempotencyMismatch);
  }
}

/** One write of several refused by the rules: which, and why. */
export class WriteRefusal extends Error {
  constructor(
    readonly index: number,
    readonly error: DomainError,
  ) {
    super(error.message);
    this.name = "WriteRefusal";
  }
}

function accepted(planned: PlannedEvent[]): AcceptedWrite {
  if (planned.length === 0) throw new DomainError("internal", "a write planned no events");
  return {
    eventId: planned[0].id,
    batchId: planned[0].event.batchId,
    status: "pending",
    events: planned.map((p) => ({ eventId: p.id, batchId: p.event.batchId })),
  };
}
