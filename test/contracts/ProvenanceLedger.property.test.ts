/**
 * Property tests of the event rules, the custody and the hash chain: random sequences of signed
 * events from every organisation over a few batches, relayed one by one through `record` or in
 * chunks through `recordBatch`, against a model of the ledger kept off chain.
 *
 * The model holds each batch's heads, creator, recall and custody (holders and pending
 * consignees). It supplies each event's custody proofs (true ones, or ones spoiled on purpose)
 * and predicts the exact custom error that refuses it, or that it is accepted; what the chain
 * did is read from the logs, and only that advances the model. After each run the chain's heads,
 * recall flags and origins, and the custody its logs replay to, must be what the accepted events
 * make them.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import { hexlify, keccak256, toBeHex, ZeroAddress, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import { batchId, deployLedgerFixture, KIWI_GTIN, NO_PROOF, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
import type { CustodyProof } from "../../server/chain/ledger-calls";
import { decodeLedgerLogs, replayBatch } from "../../server/chain/ledger-events";
import { chainStep } from "../../server/chain/typed-data";
import { MAX_CUSTODIANS, type Custody } from "../../server/domain/custody";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { ZERO_HASH } from "../../server/domain/hashes";
import { roleId } from "../../server/chain/roles";
import { EventKind } from "../../server/domain/event-kinds";

const { Harvest, Processing, Shipment, Receipt, Sale, Recall, Correction } = EventKind;
const KINDS = [Harvest, Processing, Shipment, Receipt, Sale, Recall, Correction];

type Role = "admin" | "producer" | "processor" | "certifier" | "carrier" | "retailer";
type Org = "admin" | "producer" | "otherProducer" | "processor" | "certifier" | "carrier" | "retailer" | "outsider";

/** The roles the fixture grants each organisation. */
const ORG_ROLES: Record<Org, readonly Role[]> = {
  admin: ["admin"],
  producer: ["producer"],
  otherProducer: ["producer"],
  processor: ["processor"],
  certifier: ["certifier"],
  carrier: ["carrier"],
  retailer: ["retailer"],
  outsider: [],
};
const ORGS = Object.keys(ORG_ROLES) as Org[];
/** The organisations that may record a receipt, and so become holders. */
const RECEIVERS: readonly Org[] = ["processor", "carrier", "retailer"];
/** An address no organisation holds: a shipment may name it, nobody can sign for it. */
const STRANGER = "0x00000000000000000000000000000000005742a6";

/** Roles whose organisations hold or move produce: every role but the certifier's (and the admin's). */
const STOCK_ROLES: readonly Role[] = ["producer", "processor", "carrier", "retailer"];

/** The roles that may sign each kind. Which organisation of them may is the custody's check. */
const KIND_ROLES: Record<number, readonly Role[]> = {
  [Harvest]: ["producer"],
  [Processing]: ["processor", "producer"],
  [Shipment]: STOCK_ROLES,
  [Receipt]: ["processor", "carrier", "retailer"],
  [Sale]: ["retailer"],
  [Recall]: ["producer", "processor", "admin"],
  [Correction]: [...STOCK_ROLES, "admin"],
};

/** A well-formed id with a stray trailing byte: never a batch, not even as an input. */
const MALFORMED_ID = `${batchId("LOT-1").slice(0, -2)}01`;
/** The batches of a run: well-formed ids of two GTINs, and the malformed one last. */
const BATCHES = [batchId("LOT-1"), batchId("LOT-2"), batchId("LOT-1", KIWI_GTIN), batchId("LOT-2", KIWI_GTIN), MALFORMED_ID];

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * Which batch a command is about: the `pick`-th of a pool of the batches when it is signed.
 * Most commands pick among the batches that exist (so that their events can be accepted) or
 * that do not yet (to create one), or that changed hands (shipped and awaited, or received);
 * some pick a recalled batch, or any id, the malformed included. The steps of a journey stay on
 * the batch of the command before.
 */
type BatchPool = "existing" | "fresh" | "recalled" | "awaited" | "received" | "any" | "previous";
interface BatchChoice {
  from: BatchPool;
  pick: number;
}

/** The head an event signs over: the batch's current one, an older one, or random bytes. */
type PrevHeadChoice = { mode: "current" } | { mode: "stale"; pick: number } | { mode: "random"; head: string };

/**
 * Who signs: an organisation by name, or by its place in the target batch's custody — its
 * creator, a holder or an awaited consignee (preferring one whose role fits the kind).
 */
type SignerChoice = { org: Org } | { custody: "creator" | "holder" | "consignee"; pick: number };

/** Whom a shipment (or, wrongly, another event) names: nobody, an organisation, or a stranger. */
type CounterpartyChoice = { to: "none" } | { to: "stranger" } | { to: Org };

/**
 * The custody proofs sent: the true ones, or one of them (the `pick`-th) spoiled: another link,
 * the signer slipped in among the holders, the last custodian left out, or the pending
 * consignees counted as holders.
 */
type ProofChoice = { mode: "true" } | { mode: "wrongLink" | "signerAsHolder" | "dropLast" | "pendingAsHolders"; pick: number };

interface Command {
  kind: number;
  batch: BatchChoice;
  signer: SignerChoice;
  inputs: BatchChoice[];
  prevHead: PrevHeadChoice;
  counterparty: CounterpartyChoice;
  proofs: ProofChoice;
}

/** Commands relayed together: in one `recordBatch`, or one by one through `record`. */
interface Segment {
  batched: boolean;
  commands: Command[];
}

function batchChoiceArb(weights: Partial<Record<BatchPool, number>>): fc.Arbitrary<BatchChoice> {
  const pools = (Object.keys(weights) as BatchPool[]).filter((from) => weights[from]! > 0);
  return fc.oneof(
    ...pools.map((from) => ({ weight: weights[from]!, arbitrary: fc.record({ from: fc.constant(from), pick: fc.nat() }) })),
  );
}

/**
 * A harvest mostly creates a batch, processing creates one or works in place, the others extend
 * one: a receipt mostly one that was shipped, a sale or a shipment often one that was received;
 * a correction often targets a recalled batch, the one place it differs from the others.
 */
function targetArb(kind: number): fc.Arbitrary<BatchChoice> {
  if (kind === Harvest) return batchChoiceArb({ existing: 1, fresh: 6, any: 1 });
  if (kind === Processing) return batchChoiceArb({ existing: 3, fresh: 3, received: 1, recalled: 1, any: 1 });
  if (kind === Correction) return batchChoiceArb({ existing: 4, fresh: 1, recalled: 6, any: 1 });
  if (kind === Receipt) return batchChoiceArb({ existing: 2, awaited: 6, fresh: 1, recalled: 1, any: 1 });
  return batchChoiceArb({ existing: 5, received: 3, fresh: 1, recalled: 1, any: 1 });
}

const inputChoiceArb = batchChoiceArb({ existing: 4, received: 2, fresh: 1, recalled: 3, any: 1 });

const prevHeadArb: fc.Arbitrary<PrevHeadChoice> = fc.oneof(
  { weight: 16, arbitrary: fc.constant({ mode: "current" as const }) },
  { weight: 1, arbitrary: fc.record({ mode: fc.constant("stale" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ mode: fc.constant("random" as const), head: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hexlify) }),
  },
);

/** Many harvests, so that batches exist early; shipments and receipts, so that they change hands; fewer recalls. */
const KIND_WEIGHTS: Record<number, number> = {
  [Harvest]: 3,
  [Processing]: 4,
  [Shipment]: 6,
  [Receipt]: 6,
  [Sale]: 4,
  [Recall]: 2,
  [Correction]: 3,
};
const kindArb = fc.oneof(...KINDS.map((kind) => ({ weight: KIND_WEIGHTS[kind], arbitrary: fc.constant(kind) })));

/** Processing names 0 to 3 inputs (duplicates and the output itself included); other kinds rarely one. */
function inputsArb(kind: number): fc.Arbitrary<BatchChoice[]> {
  const named = (maxLength: number) => fc.array(inputChoiceArb, { minLength: 1, maxLength });
  return kind === Processing
    ? fc.oneof({ weight: 2, arbitrary: fc.constant<BatchChoice[]>([]) }, { weight: 3, arbitrary: named(3) })
    : fc.oneof({ weight: 9, arbitrary: fc.constant<BatchChoice[]>([]) }, { weight: 1, arbitrary: named(1) });
}

/**
 * Mostly who the custody lets sign (a holder, for a receipt the consignee, for a recall the
 * creator), often an organisation whose role fits, sometimes any: non-holders, non-consignees.
 */
function signerArb(kind: number): fc.Arbitrary<SignerChoice> {
  const fitting = ORGS.filter((org) => ORG_ROLES[org].some((role) => KIND_ROLES[kind].includes(role)));
  const byCustody = (custody: "creator" | "holder" | "consignee", weight: number) => ({
    weight,
    arbitrary: fc.record({ custody: fc.constant(custody), pick: fc.nat() }),
  });
  const choices: fc.WeightedArbitrary<SignerChoice>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...fitting).map((org) => ({ org })) },
    { weight: 2, arbitrary: fc.constantFrom(...ORGS).map((org) => ({ org })) },
  ];
  if (kind === Receipt) choices.push(byCustody("consignee", 8));
  else if (kind === Recall) choices.push(byCustody("creator", 3), byCustody("holder", 1));
  else if (kind !== Harvest) choices.push(byCustody("holder", 7), byCustody("consignee", 1));
  return fc.oneof(...choices);
}

/** A shipment mostly names an organisation that may receive; any other kind mostly nobody. */
function counterpartyArb(kind: number): fc.Arbitrary<CounterpartyChoice> {
  const none = fc.constant<CounterpartyChoice>({ to: "none" });
  const anyOrg = fc.constantFrom(...ORGS).map((to): CounterpartyChoice => ({ to }));
  if (kind !== Shipment) return fc.oneof({ weight: 12, arbitrary: none }, { weight: 1, arbitrary: anyOrg });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant<CounterpartyChoice>({ to: "retailer" }) },
    { weight: 4, arbitrary: fc.constantFrom(...RECEIVERS).map((to): CounterpartyChoice => ({ to })) },
    { weight: 2, arbitrary: anyOrg },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: fc.constant<CounterpartyChoice>({ to: "stranger" }) },
  );
}

const proofChoiceArb: fc.Arbitrary<ProofChoice> = fc.oneof(
  { weight: 16, arbitrary: fc.constant({ mode: "true" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      mode: fc.constantFrom("wrongLink" as const, "signerAsHolder" as const, "dropLast" as const, "pendingAsHolders" as const),
      pick: fc.nat(),
    }),
  },
);

/** A command of `kind`, its choices random but those `fixed`. */
function commandOf(kind: number, fixed: { [K in keyof Command]?: fc.Arbitrary<Command[K]> } = {}): fc.Arbitrary<Command> {
  return fc.record({
    kind: fc.constant(kind),
    batch: targetArb(kind),
    signer: signerArb(kind),
    inputs: inputsArb(kind),
    prevHead: prevHeadArb,
    counterparty: counterpartyArb(kind),
    proofs: proofChoiceArb,
    ...fixed,
  });
}

const commandArb: fc.Arbitrary<Command> = kindArb.chain((kind) => commandOf(kind));

/**
 * A batch changing hands: a holder ships it to an organisation that may receive it, which
 * records the receipt, and then a holder sells, processes or ships it on — each step with the
 * other choices random, so that it may still be refused.
 */
const journeyArb: fc.Arbitrary<Command[]> = fc
  .tuple(
    commandOf(Shipment, {
      signer: fc.nat().map((pick) => ({ custody: "holder" as const, pick })),
      counterparty: fc.constantFrom<CounterpartyChoice>({ to: "retailer" }, { to: "retailer" }, { to: "carrier" }, { to: "processor" }),
    }),
    commandOf(Receipt, {
      batch: fc.constant({ from: "previous" as const, pick: 0 }),
      signer: fc.nat().map((pick) => ({ custody: "consignee" as const, pick })),
    }),
    fc.constantFrom(Sale, Sale, Sale, Processing, Shipment).chain((kind) =>
      commandOf(kind, {
        batch: fc.constant({ from: "previous" as const, pick: 0 }),
        signer: fc.nat().map((pick) => ({ custody: "holder" as const, pick })),
      }),
    ),
  )
  .map((steps): Command[] => steps);

/** A recall (mostly by the batch's creator), then a correction of the same batch. */
const recallArb: fc.Arbitrary<Command[]> = fc.tuple(
  commandOf(Recall, { batch: batchChoiceArb({ existing: 4, received: 1 }) }),
  commandOf(Correction, { batch: fc.constant({ from: "previous" as const, pick: 0 }) }),
);

/** A rightful harvest of a new batch: runs open with a few, so that most commands have batches to work on. */
const openingHarvestArb: fc.Arbitrary<Command> = fc.record({
  kind: fc.constant(Harvest),
  batch: fc.record({ from: fc.constant("fresh" as const), pick: fc.nat() }),
  signer: fc.constantFrom<SignerChoice>({ org: "producer" }, { org: "otherProducer" }),
  inputs: fc.constant([]),
  prevHead: fc.constant({ mode: "current" as const }),
  counterparty: fc.constant({ to: "none" as const }),
  proofs: fc.constant({ mode: "true" as const }),
});

/** 1 to 3 opening harvests and 8 to 18 random commands, journeys or recalls, cut into segments of 1 to 6 (the cuts repeat). */
const segmentsArb: fc.Arbitrary<Segment[]> = fc
  .tuple(
    fc.array(openingHarvestArb, { minLength: 1, maxLength: 3 }),
    fc
      .array(
        fc.oneof(
          { weight: 6, arbitrary: commandArb.map((command) => [command]) },
          { weight: 3, arbitrary: journeyArb },
          { weight: 1, arbitrary: recallArb },
        ),
        {
        minLength: 8,
        maxLength: 18,
        size: "max",
      })
      .map((steps) => steps.flat()),
    fc.array(fc.record({ length: fc.integer({ min: 1, max: 6 }), batched: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  )
  .map(([opening, random, cuts]) => {
    const commands = [...opening, ...random];
    const segments: Segment[] = [];
    for (let start = 0, i = 0; start < commands.length; start += cuts[i].length, i = (i + 1) % cuts.length) {
      segments.push({ batched: cuts[i].batched, commands: commands.slice(start, start + cuts[i].length) });
    }
    return segments;
  });

// ---------------------------------------------------------------------------------------------
// The model

/** A batch as its accepted events make it. */
interface BatchModel {
  heads: string[]; // every head it had, oldest first
  creator: string;
  recalled: boolean;
  link: string;
  custody: Custody;
}

/** A refusal as the contract encodes it: the custom error's name and arguments. */
type Refusal = [name: string, args: unknown[]];

const lower = (address: string) => address.toLowerCase();
const sameProof = (a: CustodyProof, b: CustodyProof) =>
  a.link === b.link && JSON.stringify(a.custody) === JSON.stringify(b.custody) && a.custody.holders.length > 0;

/** The ledger as its accepted events make it, and its rules, kept off chain. */
class LedgerModel {
  private readonly batches = new Map<string, BatchModel>();

  /** Every head the batch had, starting from zero. */
  history(batch: string): string[] {
    return [ZERO_HASH, ...(this.batches.get(batch)?.heads ?? [])];
  }

  head(batch: string): string {
    return this.history(batch).at(-1)!;
  }

  exists(batch: string): boolean {
    return this.batches.has(batch);
  }

  creator(batch: string): string | undefined {
    return this.batches.get(batch)?.creator;
  }

  isRecalled(batch: string): boolean {
    return this.batches.get(batch)?.recalled ?? false;
  }

  custody(batch: string): Custody | undefined {
    return this.batches.get(batch)?.custody;
  }

  /** The proof of what the batch's head commits to; an empty one for a batch that does not exist. */
  proof(batch: string): CustodyProof {
    const b = this.batches.get(batch);
    return b ? { link: b.link, custody: b.custody } : NO_PROOF;
  }

  /** Records an accepted event: its batch's head moves along the hash chain, its custody with it. */
  apply(event: LedgerEvent, signer: string): void {
    const batch = event.batchId;
    const before = this.batches.get(batch);
    const step = chainStep(event, signer, before?.custody);
    this.batches.set(batch, {
      heads: [...(before?.heads ?? []), step.head],
      creator: before?.creator ?? signer,
      recalled: (before?.recalled ?? false) || event.kind === Recall,
      link: step.link,
      custody: step.custody,
    });
  }

  clone(): LedgerModel {
    const copy = new LedgerModel();
    this.batches.forEach((b, batch) => copy.batches.set(batch, { ...b, heads: [...b.heads] }));
    return copy;
  }

  /**
   * Why the contract refuses `event`, signed by `signer` who holds `roles` and relayed with
   * `proofs`, in the order the contract checks; undefined when it accepts it.
   */
  refusal(event: LedgerEvent, signer: string, roles: readonly Role[], proofs: CustodyProof[]): Refusal | undefined {
    const { batchId: batch, kind, prevHead, inputs, counterparty } = event;
    const head = this.head(batch);
    const creates = kind === Harvest || (kind === Processing && !this.exists(batch));
    if (creates) {
      if (this.exists(batch)) return ["ProvenanceLedgerBatchExists", [batch]];
      if (batch === MALFORMED_ID) return ["ProvenanceLedgerMalformedBatchId", [batch]];
      if (prevHead !== ZERO_HASH) return ["ProvenanceLedgerStaleHead", [batch, ZERO_HASH, prevHead]];
      if (kind === Harvest && inputs.length > 0) return ["ProvenanceLedgerUnexpectedInputs", [batch, kind]];
      if (kind === Processing && inputs.length === 0) return ["ProvenanceLedgerMissingInputs", [batch]];
    } else {
      if (!this.exists(batch)) return ["ProvenanceLedgerUnknownBatch", [batch]];
      if (prevHead !== head) return ["ProvenanceLedgerStaleHead", [batch, head, prevHead]];
      if (this.isRecalled(batch) && kind !== Correction) return ["ProvenanceLedgerBatchRecalled", [batch]];
      if (kind !== Processing && inputs.length > 0) return ["ProvenanceLedgerUnexpectedInputs", [batch, kind]];
    }
    if ((kind === Shipment) === (counterparty === ZeroAddress)) return ["ProvenanceLedgerInvalidCounterparty", [batch, counterparty]];
    if (!roles.some((role) => KIND_ROLES[kind].includes(role))) return ["ProvenanceLedgerUnauthorizedSigner", [signer, kind]];

    const who = lower(signer);
    const admin = roles.includes("admin");
    if (!creates) {
      if (!sameProof(proofs[0], this.proof(batch))) return ["ProvenanceLedgerCustodyProofMismatch", [batch]];
      const { holders, pending } = this.custody(batch)!;
      if (kind === Receipt) {
        if (!pending.includes(who)) return ["ProvenanceLedgerNotConsignee", [batch, signer]];
      } else if (kind === Recall) {
        if (holders[0] !== who && !admin) return ["ProvenanceLedgerNotBatchCreator", [batch, signer]];
      } else if (kind === Correction) {
        if (![...holders, ...pending].includes(who) && !admin) return ["ProvenanceLedgerNotHolder", [batch, signer]];
      } else {
        if (!holders.includes(who)) return ["ProvenanceLedgerNotHolder", [batch, signer]];
        if (kind === Shipment && lower(counterparty) === who) return ["ProvenanceLedgerInvalidCounterparty", [batch, signer]];
        const widens = kind === Shipment && !pending.includes(lower(counterparty));
        if (widens && holders.length + pending.length >= MAX_CUSTODIANS) return ["ProvenanceLedgerCustodyTooWide", [batch]];
      }
    }
    const inputProofs = proofs.slice(creates ? 0 : 1);
    for (const [i, input] of inputs.entries()) {
      if (input === batch || inputs.indexOf(input) !== i) return ["ProvenanceLedgerInvalidInput", [batch, input]];
      if (!this.exists(input)) return ["ProvenanceLedgerUnknownBatch", [input]];
      if (this.isRecalled(input)) return ["ProvenanceLedgerBatchRecalled", [input]];
      if (!sameProof(inputProofs[i], this.proof(input))) return ["ProvenanceLedgerCustodyProofMismatch", [input]];
      if (!this.custody(input)!.holders.includes(who)) return ["ProvenanceLedgerNotHolder", [input, signer]];
    }
    return undefined;
  }
}

/**
 * The batch a choice names when the ledger is `view`: when its pool is empty, an existing batch
 * for a pool of batches that changed hands, else any batch.
 */
function resolveBatch({ from, pick }: BatchChoice, view: LedgerModel, previous?: string): string {
  if (from === "previous") return previous ?? resolveBatch({ from: "existing", pick }, view);
  const pools: Record<Exclude<BatchPool, "previous">, (id: string) => boolean> = {
    existing: (id) => view.exists(id),
    fresh: (id) => id !== MALFORMED_ID && !view.exists(id),
    recalled: (id) => view.isRecalled(id),
    awaited: (id) => (view.custody(id)?.pending.length ?? 0) > 0,
    received: (id) => (view.custody(id)?.holders.length ?? 0) > 1,
    any: () => true,
  };
  const pool = BATCHES.filter(pools[from]);
  if (pool.length > 0) return pool[pick % pool.length];
  return from === "awaited" || from === "received" ? resolveBatch({ from: "existing", pick }, view) : BATCHES[pick % BATCHES.length];
}

/** The head a choice names for a batch whose heads so far are `history`. */
function resolvePrevHead(choice: PrevHeadChoice, history: string[]): string {
  const older = history.slice(0, -1);
  if (choice.mode === "random") return choice.head;
  if (choice.mode === "stale" && older.length > 0) return older[choice.pick % older.length];
  return history.at(-1)!;
}

/** The proofs a choice sends, from the true ones; `signer` is who would like to be a holder. */
function resolveProofs(choice: ProofChoice, proofs: CustodyProof[], signer: string): CustodyProof[] {
  if (choice.mode === "true" || proofs.length === 0) return proofs;
  const at = choice.pick % proofs.length;
  const { link, custody } = proofs[at];
  const spoiled: Record<typeof choice.mode, () => CustodyProof> = {
    wrongLink: () => ({ link: keccak256(toBeHex(choice.pick, 32)), custody }),
    signerAsHolder: () => ({ link, custody: { holders: [...custody.holders, lower(signer)], pending: custody.pending } }),
    dropLast: () => {
      const all = [...custody.holders, ...custody.pending].slice(0, -1);
      const holders = Math.min(custody.holders.length, all.length);
      return { link, custody: { holders: all.slice(0, holders), pending: all.slice(holders) } };
    },
    pendingAsHolders: () => ({ link, custody: { holders: [...custody.holders, ...custody.pending], pending: [] } }),
  };
  return proofs.map((proof, i) => (i === at ? spoiled[choice.mode]() : proof));
}

// ---------------------------------------------------------------------------------------------
// Reading what the chain did

interface RecordedLog {
  batchId: string;
  signer: string;
  kind: number;
  dataHash: string;
  inputs: string[]; // from the BatchDerived logs just before it
  consignee?: string; // from the BatchShipped log just before it
}

interface RejectedLog {
  index: number;
  batchId: string;
  reason: string;
}

interface LedgerLogs {
  recorded: RecordedLog[];
  rejected: RejectedLog[];
}

/** The ledger's EventRecorded (with their lineage and consignee) and EventRejected logs, in order. */
function readLogs(f: LedgerFixture, receipt: ContractTransactionReceipt | undefined): LedgerLogs {
  const recorded: RecordedLog[] = [];
  const rejected: RejectedLog[] = [];
  let derived: string[] = [];
  let consignee: string | undefined;
  for (const log of receipt?.logs ?? []) {
    const parsed = f.ledger.interface.parseLog(log);
    if (parsed?.name === "BatchDerived") derived.push(parsed.args.inputBatchId);
    if (parsed?.name === "BatchShipped") consignee = parsed.args.consignee;
    if (parsed?.name === "EventRecorded") {
      const { batchId, signer, kind, dataHash } = parsed.args;
      recorded.push({ batchId, signer, kind: Number(kind), dataHash, inputs: derived, ...(consignee ? { consignee } : {}) });
      derived = [];
      consignee = undefined;
    }
    if (parsed?.name === "EventRejected") {
      rejected.push({ index: Number(parsed.args.index), batchId: parsed.args.batchId, reason: parsed.args.reason });
    }
  }
  expect(derived, "BatchDerived logs without their EventRecorded").to.deep.equal([]);
  expect(consignee, "a BatchShipped log without its EventRecorded").to.equal(undefined);
  return { recorded, rejected };
}

/** The receipt, or the revert data when the ledger reverted with one of its custom errors. */
async function receiptOrRevert(f: LedgerFixture, send: Promise<ContractTransactionResponse>) {
  try {
    return { receipt: (await (await send).wait()) ?? undefined };
  } catch (error) {
    const data = (error as { data?: string }).data;
    if (data && f.ledger.interface.parseError(data)) return { revert: data };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// One run

/** What the runs covered, so that the property cannot pass by rejecting everything. */
interface Coverage {
  acceptedKinds: Set<number>;
  acceptedBy: Set<"record" | "recordBatch">;
  rejectedBy: Set<"record" | "recordBatch">;
  /** The custom errors events were refused with. */
  refusals: Set<string>;
  /** How many corrections were accepted on a batch already recalled. */
  correctionsAfterRecall: number;
  /** How many sales were accepted: each needed a shipment to a retailer and its receipt. */
  sales: number;
}

interface Planned {
  prepared: PreparedEvent;
  /** The error the model predicts, ABI-encoded as the contract gives it; undefined: accepted. */
  refusal: string | undefined;
  command: Command;
}

class Run {
  private readonly model = new LedgerModel();
  private readonly roleCache = new Map<string, Promise<boolean>>();
  private detailCounter = 0;
  /** The batch of the command before. */
  private previous: string | undefined;

  constructor(
    private readonly f: LedgerFixture,
    private readonly coverage: Coverage,
  ) {}

  async segment({ batched, commands }: Segment): Promise<void> {
    const chunks = batched ? [commands] : commands.map((command) => [command]);
    for (const chunk of chunks) await this.submit(chunk, batched);
  }

  /** Signs the chunk's events over the heads the model predicts, with its proofs, relays them, then compares. */
  private async submit(commands: Command[], batched: boolean): Promise<void> {
    const view = this.model.clone();
    const planned: Planned[] = [];
    for (const command of commands) {
      const prepared = await this.prepare(command, view);
      const { event, signer, proofs } = prepared;
      const refusal = view.refusal(event, signer, this.rolesOf(signer), proofs);
      if (!refusal) view.apply(event, signer);
      planned.push({ prepared, refusal: refusal && this.f.ledger.interface.encodeErrorResult(...refusal), command });
      if (refusal) this.coverage.refusals.add(refusal[0]);
    }
    const driver = this.f.driver;
    if (batched) {
      const receipt = await (await driver.recordBatch(planned.map((p) => p.prepared))).wait();
      await this.observe(planned, readLogs(this.f, receipt ?? undefined), "recordBatch");
    } else {
      const { receipt, revert } = await receiptOrRevert(this.f, driver.recordPrepared(planned[0].prepared));
      const logs = readLogs(this.f, receipt);
      // record reverts with the very error recordBatch would report
      if (revert) logs.rejected.push({ index: 0, batchId: planned[0].prepared.event.batchId, reason: revert });
      await this.observe(planned, logs, "record");
    }
  }

  /** Resolves the command's choices against the model `view` and signs its event with its proofs. */
  private async prepare(command: Command, view: LedgerModel): Promise<PreparedEvent> {
    const batch = resolveBatch(command.batch, view, this.previous);
    this.previous = batch;
    const signer = this.resolveSigner(command.signer, command.kind, batch, view);
    const prevHead = resolvePrevHead(command.prevHead, view.history(batch));
    const inputs = command.inputs.map((choice) => resolveBatch(choice, view));
    const trueProofs = [...(prevHead === ZERO_HASH ? [] : [view.proof(batch)]), ...inputs.map((input) => view.proof(input))];
    const { to } = command.counterparty;
    const counterparty = to === "none" ? ZeroAddress : to === "stranger" ? STRANGER : this.f[to].address;
    return this.f.driver.prepare(signer, batch, command.kind, {
      prevHead,
      inputs,
      counterparty,
      proofs: resolveProofs(command.proofs, trueProofs, signer.address),
      detail: { command: ++this.detailCounter }, // a distinct dataHash per event identifies its log
    });
  }

  /**
   * The organisation a choice names: by name, or by its place in the batch's custody, preferring
   * one whose role fits the kind (when nobody has that place: any organisation whose role fits).
   */
  private resolveSigner(choice: SignerChoice, kind: number, batch: string, view: LedgerModel) {
    if ("org" in choice) return this.f[choice.org];
    const fits = (org: Org) => ORG_ROLES[org].some((role) => KIND_ROLES[kind].includes(role));
    const custody = view.custody(batch) ?? { holders: [], pending: [] };
    const places = { creator: custody.holders.slice(0, 1), holder: custody.holders, consignee: custody.pending }[choice.custody];
    const orgs = places.flatMap((address) => ORGS.filter((org) => lower(this.f[org].address) === address));
    const pool = [orgs.filter(fits), orgs, ORGS.filter(fits)].find((candidates) => candidates.length > 0)!;
    return this.f[pool[choice.pick % pool.length]];
  }

  /** The roles the fixture granted `address`, as the model knows them. */
  private rolesOf(address: string): readonly Role[] {
    const org = ORGS.find((name) => this.f[name].address === address);
    if (!org) throw new Error(`no organisation has the address ${address}`);
    return ORG_ROLES[org];
  }

  /** Matches the logs to the planned events in order, checks them, and advances the model. */
  private async observe(planned: Planned[], logs: LedgerLogs, path: "record" | "recordBatch"): Promise<void> {
    let next = 0;
    const refused: { index: number; batchId: string; reason: string }[] = [];
    for (const [index, { prepared, refusal, command }] of planned.entries()) {
      const log = logs.recorded[next];
      const accepted = log?.dataHash === prepared.event.dataHash;
      // (5) the model's rules agree with the chain's
      const what = `${path} ${refusal ? "accepted" : "rejected"} ${JSON.stringify(prepared.event)} signed by ${prepared.signer}`;
      expect(accepted, `${what}, from ${JSON.stringify(command)}, proofs ${JSON.stringify(prepared.proofs)}`).to.equal(!refusal);
      if (!accepted) {
        refused.push({ index, batchId: prepared.event.batchId, reason: refusal! });
        this.coverage.rejectedBy.add(path);
        continue;
      }
      next++;
      expect(log.batchId).to.equal(prepared.event.batchId);
      expect(log.kind).to.equal(prepared.event.kind);
      expect(log.signer).to.equal(prepared.signer);
      expect(log.inputs).to.deep.equal(prepared.event.inputs);
      expect(log.consignee && lower(log.consignee)).to.equal(prepared.event.kind === Shipment ? lower(prepared.event.counterparty) : undefined);
      await this.checkAccepted(log);
      if (log.kind === Correction && this.model.isRecalled(log.batchId)) this.coverage.correctionsAfterRecall++;
      if (log.kind === Sale) this.coverage.sales++;
      this.model.apply(prepared.event, log.signer);
      this.coverage.acceptedKinds.add(log.kind);
      this.coverage.acceptedBy.add(path);
    }
    expect(logs.recorded.slice(next), "EventRecorded logs of no submitted event").to.deep.equal([]);
    // every refused event is reported, by its index, with the exact error the model predicts
    const reported = logs.rejected.map((r) => ({ ...r, reason: r.reason.toLowerCase() }));
    const predicted = refused.map((r) => ({ ...r, reason: r.reason.toLowerCase() }));
    expect(reported, "refusals: the chain's (actual) against the model's (expected)").to.deep.equal(predicted);
  }

  /** The rules that an accepted event must satisfy, judged by the log, the chain's roles and the custody before it. */
  private async checkAccepted(log: RecordedLog): Promise<void> {
    // (3) nothing but a correction after a recall
    if (log.kind !== Correction) {
      expect(this.model.isRecalled(log.batchId), `event of kind ${log.kind} accepted after the recall`).to.equal(false);
    }
    // (2) the signer holds a role for the kind; a recall comes from the creator or an admin
    const roles = await this.rolesOnChain(log.signer, KIND_ROLES[log.kind]);
    const admin = roles.includes("admin");
    const allowed = log.kind === Recall ? admin || (roles.length > 0 && this.model.creator(log.batchId) === log.signer) : roles.length > 0;
    expect(allowed, `event of kind ${log.kind} accepted from ${log.signer}`).to.equal(true);
    // (6) the custody: a holder processes, ships and sells, and holds every input; only a consignee receives
    const who = lower(log.signer);
    const custody = this.model.custody(log.batchId);
    if (custody && (log.kind === Processing || log.kind === Shipment || log.kind === Sale)) {
      expect(custody.holders, `kind ${log.kind} accepted from a non-holder`).to.include(who);
    }
    if (log.kind === Receipt) expect(custody!.pending, "a receipt accepted from a non-consignee").to.include(who);
    if (log.kind === Correction && !admin) expect([...custody!.holders, ...custody!.pending]).to.include(who);
    for (const input of log.inputs) expect(this.model.custody(input)!.holders, "an input not held by the processor").to.include(who);
  }

  /** Which of `roles` the chain says `account` holds. */
  private async rolesOnChain(account: string, roles: readonly Role[]): Promise<Role[]> {
    const held = await Promise.all(roles.map((role) => this.hasRole(role, account)));
    return roles.filter((_, i) => held[i]);
  }

  private hasRole(role: Role, account: string): Promise<boolean> {
    const key = `${role}:${account}`;
    if (!this.roleCache.has(key)) this.roleCache.set(key, this.f.ledger.hasRole(roleId(role), account));
    return this.roleCache.get(key)!;
  }

  /** (1) heads, (4) recall flags, origins, and the custody the logs replay to are what the accepted events make them. */
  async checkFinalState(): Promise<void> {
    const logs = decodeLedgerLogs(await ethers.provider.getLogs({ address: this.f.deployment.address, fromBlock: this.f.deployment.deployBlock }));
    for (const batch of BATCHES) {
      expect(await this.f.ledger.headOf(batch), `head of ${batch}`).to.equal(this.model.head(batch));
      expect(await this.f.ledger.isRecalled(batch), `recall of ${batch}`).to.equal(this.model.isRecalled(batch));
      const origin = await this.f.ledger.originOf(batch);
      expect(origin.creator, `creator of ${batch}`).to.equal(this.model.creator(batch) ?? ZeroAddress);
      const replayed = replayBatch(batch, logs);
      expect(replayed.map((c) => c.head), `replayed heads of ${batch}`).to.deep.equal(this.model.history(batch).slice(1));
      expect(replayed.at(-1)?.custody, `replayed custody of ${batch}`).to.deep.equal(this.model.custody(batch));
    }
  }
}

describe("ProvenanceLedger", function () {
  describe("properties", function () {
    // Shrinking a counterexample replays many runs: leave it time to finish.
    this.timeout(600_000);

    it("accepts what the rules and the custody allow, refuses the rest with the model's error; heads commit to what was accepted", async function () {
      const coverage: Coverage = {
        acceptedKinds: new Set(),
        acceptedBy: new Set(),
        rejectedBy: new Set(),
        refusals: new Set(),
        correctionsAfterRecall: 0,
        sales: 0,
      };
      await fc.assert(
        fc.asyncProperty(segmentsArb, async (segments) => {
          const run = new Run(await loadFixture(deployLedgerFixture), coverage);
          for (const segment of segments) await run.segment(segment);
          await run.checkFinalState();
        }),
        { numRuns: 40 },
      );
      expect([...coverage.acceptedKinds].sort((a, b) => a - b), "kinds ever accepted").to.deep.equal(KINDS);
      expect([...coverage.acceptedBy].sort(), "paths that accepted events").to.deep.equal(["record", "recordBatch"]);
      expect([...coverage.rejectedBy].sort(), "paths that rejected events").to.deep.equal(["record", "recordBatch"]);
      expect(coverage.correctionsAfterRecall, "corrections accepted on a recalled batch").to.be.greaterThan(0);
      expect(coverage.sales, "sales accepted").to.be.greaterThan(0);
      expect([...coverage.refusals], "custody refusals").to.include.members([
        "ProvenanceLedgerNotHolder",
        "ProvenanceLedgerNotConsignee",
        "ProvenanceLedgerNotBatchCreator",
        "ProvenanceLedgerCustodyProofMismatch",
        "ProvenanceLedgerInvalidCounterparty",
      ]);
    });
  });
});
