/**
 * Property tests of the event rules and the hash chain: random sequences of signed events from
 * every organisation over a few batches, relayed one by one through `record` or in chunks
 * through `recordBatch`, against a model of the ledger kept off chain.
 *
 * The model predicts whether each event is accepted; what the chain did is read from the logs,
 * and only that advances the model. After each run the chain's heads, recall flags and origins
 * must be what the accepted events make them.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { hexlify, ZeroAddress, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import { batchId, deployLedgerFixture, KIWI_GTIN, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
import { nextHead } from "../../server/chain/typed-data";
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

/** Roles whose organisations hold or move produce: every role but the certifier's (and the admin's). */
const STOCK_ROLES: readonly Role[] = ["producer", "processor", "carrier", "retailer"];

/** The roles that may sign each kind; a recall also needs the batch's creator, unless by an admin. */
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
 * that do not yet (to create one); some pick a recalled batch, or any id, the malformed included.
 */
type BatchPool = "existing" | "fresh" | "recalled" | "any";
interface BatchChoice {
  from: BatchPool;
  pick: number;
}

/** The head an event signs over: the batch's current one, an older one, or random bytes. */
type PrevHeadChoice = { mode: "current" } | { mode: "stale"; pick: number } | { mode: "random"; head: string };

/** "creator": the organisation that created the batch (the producer when none did). */
type SignerChoice = Org | "creator";

interface Command {
  kind: number;
  batch: BatchChoice;
  signer: SignerChoice;
  inputs: BatchChoice[];
  prevHead: PrevHeadChoice;
}

/** Commands relayed together: in one `recordBatch`, or one by one through `record`. */
interface Segment {
  batched: boolean;
  commands: Command[];
}

function batchChoiceArb(weights: Record<BatchPool, number>): fc.Arbitrary<BatchChoice> {
  const pools = (Object.keys(weights) as BatchPool[]).filter((from) => weights[from] > 0);
  return fc.oneof(
    ...pools.map((from) => ({ weight: weights[from], arbitrary: fc.record({ from: fc.constant(from), pick: fc.nat() }) })),
  );
}

/**
 * A harvest mostly creates a batch, processing creates one or works in place, the others extend
 * one; a correction often targets a recalled batch, the one place it differs from the others.
 */
function targetArb(kind: number): fc.Arbitrary<BatchChoice> {
  if (kind === Harvest) return batchChoiceArb({ existing: 1, fresh: 6, recalled: 0, any: 1 });
  if (kind === Processing) return batchChoiceArb({ existing: 3, fresh: 3, recalled: 1, any: 1 });
  if (kind === Correction) return batchChoiceArb({ existing: 5, fresh: 1, recalled: 4, any: 1 });
  return batchChoiceArb({ existing: 8, fresh: 1, recalled: 1, any: 1 });
}

const inputChoiceArb = batchChoiceArb({ existing: 6, fresh: 1, recalled: 3, any: 1 });

const prevHeadArb: fc.Arbitrary<PrevHeadChoice> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ mode: "current" as const }) },
  { weight: 1, arbitrary: fc.record({ mode: fc.constant("stale" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ mode: fc.constant("random" as const), head: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hexlify) }),
  },
);

/** Many harvests, so that batches exist early; fewer recalls, so that batches live a while. */
const KIND_WEIGHTS: Record<number, number> = {
  [Harvest]: 5,
  [Processing]: 4,
  [Shipment]: 3,
  [Receipt]: 3,
  [Sale]: 3,
  [Recall]: 2,
  [Correction]: 2,
};
const kindArb = fc.oneof(...KINDS.map((kind) => ({ weight: KIND_WEIGHTS[kind], arbitrary: fc.constant(kind) })));

/** Processing names 0 to 3 inputs (duplicates and the output itself included); other kinds rarely one. */
function inputsArb(kind: number): fc.Arbitrary<BatchChoice[]> {
  const named = (maxLength: number) => fc.array(inputChoiceArb, { minLength: 1, maxLength });
  return kind === Processing
    ? fc.oneof({ weight: 2, arbitrary: fc.constant<BatchChoice[]>([]) }, { weight: 3, arbitrary: named(3) })
    : fc.oneof({ weight: 9, arbitrary: fc.constant<BatchChoice[]>([]) }, { weight: 1, arbitrary: named(1) });
}

/** Mostly an organisation whose role fits the kind (for a recall, often the creator), sometimes any. */
function signerArb(kind: number): fc.Arbitrary<SignerChoice> {
  const fitting = ORGS.filter((org) => ORG_ROLES[org].some((role) => KIND_ROLES[kind].includes(role)));
  const choices: fc.WeightedArbitrary<SignerChoice>[] = [
    { weight: 3, arbitrary: fc.constantFrom(...fitting) },
    { weight: 2, arbitrary: fc.constantFrom(...ORGS) },
  ];
  if (kind === Recall) choices.push({ weight: 3, arbitrary: fc.constant("creator") });
  return fc.oneof(...choices);
}

const commandArb: fc.Arbitrary<Command> = kindArb.chain((kind) =>
  fc.record({ kind: fc.constant(kind), batch: targetArb(kind), signer: signerArb(kind), inputs: inputsArb(kind), prevHead: prevHeadArb }),
);

/** A rightful harvest of a new batch: runs open with a few, so that most commands have batches to work on. */
const openingHarvestArb: fc.Arbitrary<Command> = fc.record({
  kind: fc.constant(Harvest),
  batch: fc.record({ from: fc.constant("fresh" as const), pick: fc.nat() }),
  signer: fc.constantFrom<SignerChoice>("producer", "otherProducer"),
  inputs: fc.constant([]),
  prevHead: fc.constant({ mode: "current" as const }),
});

/** 1 to 3 opening harvests and 8 to 22 random commands, cut into segments of 1 to 6 (the cuts repeat). */
const segmentsArb: fc.Arbitrary<Segment[]> = fc
  .tuple(
    fc.array(openingHarvestArb, { minLength: 1, maxLength: 3 }),
    fc.array(commandArb, { minLength: 8, maxLength: 22, size: "max" }),
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

/** The ledger as its accepted events make it, and its rules, kept off chain. */
class LedgerModel {
  private readonly heads = new Map<string, string[]>(); // every head a batch had, oldest first
  private readonly creators = new Map<string, string>();
  private readonly recalled = new Set<string>();

  /** Every head the batch had, starting from zero. */
  history(batch: string): string[] {
    return this.heads.get(batch) ?? [ZERO_HASH];
  }

  head(batch: string): string {
    return this.history(batch).at(-1)!;
  }

  exists(batch: string): boolean {
    return this.head(batch) !== ZERO_HASH;
  }

  creator(batch: string): string | undefined {
    return this.creators.get(batch);
  }

  isRecalled(batch: string): boolean {
    return this.recalled.has(batch);
  }

  /** Records an accepted event: its batch's head moves along the hash chain. */
  apply(event: LedgerEvent, signer: string): void {
    const batch = event.batchId;
    this.heads.set(batch, [...this.history(batch), nextHead(event, signer)]);
    if (!this.creators.has(batch)) this.creators.set(batch, signer);
    if (event.kind === Recall) this.recalled.add(batch);
  }

  clone(): LedgerModel {
    const copy = new LedgerModel();
    this.heads.forEach((history, batch) => copy.heads.set(batch, [...history]));
    this.creators.forEach((creator, batch) => copy.creators.set(batch, creator));
    this.recalled.forEach((batch) => copy.recalled.add(batch));
    return copy;
  }

  /** Whether the rules accept `event` signed by `signer`, who holds `roles`. */
  accepts(event: LedgerEvent, signer: string, roles: readonly Role[]): boolean {
    const { batchId: batch, kind, prevHead, inputs } = event;
    const exists = this.exists(batch);
    const creates = kind === Harvest || (kind === Processing && !exists);
    const fitsBatch = creates
      ? !exists && batch !== MALFORMED_ID && prevHead === ZERO_HASH && (kind === Harvest) === (inputs.length === 0)
      : exists &&
        prevHead === this.head(batch) &&
        (!this.isRecalled(batch) || kind === Correction) &&
        (kind === Processing || inputs.length === 0);
    return fitsBatch && this.mayMake(kind, batch, signer, roles) && this.validInputs(batch, inputs);
  }

  private mayMake(kind: number, batch: string, signer: string, roles: readonly Role[]): boolean {
    const hasRole = roles.some((role) => KIND_ROLES[kind].includes(role));
    if (kind !== Recall) return hasRole;
    return roles.includes("admin") || (hasRole && this.creator(batch) === signer);
  }

  /** Every input is another existing, unrecalled batch, named once. */
  private validInputs(batch: string, inputs: string[]): boolean {
    return inputs.every(
      (input, i) => input !== batch && inputs.indexOf(input) === i && this.exists(input) && !this.isRecalled(input),
    );
  }
}

/** The batch a choice names when the ledger is `view` (any batch when its pool is empty). */
function resolveBatch({ from, pick }: BatchChoice, view: LedgerModel): string {
  const pools: Record<BatchPool, (id: string) => boolean> = {
    existing: (id) => view.exists(id),
    fresh: (id) => id !== MALFORMED_ID && !view.exists(id),
    recalled: (id) => view.isRecalled(id),
    any: () => true,
  };
  const pool = BATCHES.filter(pools[from]);
  return pool.length > 0 ? pool[pick % pool.length] : BATCHES[pick % BATCHES.length];
}

/** The head a choice names for a batch whose heads so far are `history`. */
function resolvePrevHead(choice: PrevHeadChoice, history: string[]): string {
  const older = history.slice(0, -1);
  if (choice.mode === "random") return choice.head;
  if (choice.mode === "stale" && older.length > 0) return older[choice.pick % older.length];
  return history.at(-1)!;
}

// ---------------------------------------------------------------------------------------------
// Reading what the chain did

interface RecordedLog {
  batchId: string;
  signer: string;
  kind: number;
  dataHash: string;
  inputs: string[]; // from the BatchDerived logs just before it
}

interface RejectedLog {
  index: number;
  batchId: string;
}

interface LedgerLogs {
  recorded: RecordedLog[];
  rejected: RejectedLog[];
}

/** The ledger's EventRecorded (with their lineage) and EventRejected logs, in order. */
function readLogs(f: LedgerFixture, receipt: ContractTransactionReceipt | undefined): LedgerLogs {
  const recorded: RecordedLog[] = [];
  const rejected: RejectedLog[] = [];
  let derived: string[] = [];
  for (const log of receipt?.logs ?? []) {
    const parsed = f.ledger.interface.parseLog(log);
    if (parsed?.name === "BatchDerived") derived.push(parsed.args.inputBatchId);
    if (parsed?.name === "EventRecorded") {
      const { batchId, signer, kind, dataHash } = parsed.args;
      recorded.push({ batchId, signer, kind: Number(kind), dataHash, inputs: derived });
      derived = [];
    }
    if (parsed?.name === "EventRejected") rejected.push({ index: Number(parsed.args.index), batchId: parsed.args.batchId });
  }
  expect(derived, "BatchDerived logs without their EventRecorded").to.deep.equal([]);
  return { recorded, rejected };
}

/** The receipt, or undefined when the ledger reverted with one of its custom errors. */
async function receiptUnlessRefused(f: LedgerFixture, send: Promise<ContractTransactionResponse>) {
  try {
    return (await (await send).wait()) ?? undefined;
  } catch (error) {
    const data = (error as { data?: string }).data;
    if (data && f.ledger.interface.parseError(data)) return undefined;
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
  /** How many corrections were accepted on a batch already recalled. */
  correctionsAfterRecall: number;
}

interface Planned {
  prepared: PreparedEvent;
  predicted: boolean;
  command: Command;
}

class Run {
  private readonly model = new LedgerModel();
  private readonly roleCache = new Map<string, Promise<boolean>>();
  private detailCounter = 0;

  constructor(
    private readonly f: LedgerFixture,
    private readonly coverage: Coverage,
  ) {}

  async segment({ batched, commands }: Segment): Promise<void> {
    const chunks = batched ? [commands] : commands.map((command) => [command]);
    for (const chunk of chunks) await this.submit(chunk, batched);
  }

  /** Signs the chunk's events over the heads the model predicts, relays them, then compares. */
  private async submit(commands: Command[], batched: boolean): Promise<void> {
    const view = this.model.clone();
    const planned: Planned[] = [];
    for (const command of commands) {
      const prepared = await this.prepare(command, view);
      const predicted = view.accepts(prepared.event, prepared.signer, this.rolesOf(prepared.signer));
      if (predicted) view.apply(prepared.event, prepared.signer);
      planned.push({ prepared, predicted, command });
    }
    const driver = this.f.driver;
    const receipt = batched
      ? await (await driver.recordBatch(planned.map((p) => p.prepared))).wait()
      : await receiptUnlessRefused(this.f, driver.recordPrepared(planned[0].prepared));
    await this.observe(planned, readLogs(this.f, receipt ?? undefined), batched);
  }

  /** Resolves the command's choices against the model `view` and signs its event. */
  private async prepare(command: Command, view: LedgerModel): Promise<PreparedEvent> {
    const batch = resolveBatch(command.batch, view);
    const signer = command.signer === "creator" ? this.creatorOf(batch, view) : this.f[command.signer];
    return this.f.driver.prepare(signer, batch, command.kind, {
      prevHead: resolvePrevHead(command.prevHead, view.history(batch)),
      inputs: command.inputs.map((choice) => resolveBatch(choice, view)),
      detail: { command: ++this.detailCounter }, // a distinct dataHash per event identifies its log
    });
  }

  /** The roles the fixture granted `address`, as the model knows them. */
  private rolesOf(address: string): readonly Role[] {
    const org = ORGS.find((name) => this.f[name].address === address);
    if (!org) throw new Error(`no organisation has the address ${address}`);
    return ORG_ROLES[org];
  }

  private creatorOf(batch: string, view: LedgerModel) {
    const creator = ORGS.find((org) => this.f[org].address === view.creator(batch));
    return this.f[creator ?? "producer"];
  }

  /** Matches the logs to the planned events in order, checks them, and advances the model. */
  private async observe(planned: Planned[], logs: LedgerLogs, batched: boolean): Promise<void> {
    const path = batched ? "recordBatch" : "record";
    let next = 0;
    const refused: number[] = [];
    for (const [index, { prepared, predicted, command }] of planned.entries()) {
      const log = logs.recorded[next];
      const accepted = log?.dataHash === prepared.event.dataHash;
      // (5) the model's rules agree with the chain's
      const what = `${path} ${predicted ? "rejected" : "accepted"} ${JSON.stringify(prepared.event)} signed by ${prepared.signer}`;
      expect(accepted, `${what}, from ${JSON.stringify(command)}`).to.equal(predicted);
      if (!accepted) {
        refused.push(index);
        this.coverage.rejectedBy.add(path);
        continue;
      }
      next++;
      expect(log.batchId).to.equal(prepared.event.batchId);
      expect(log.kind).to.equal(prepared.event.kind);
      expect(log.signer).to.equal(prepared.signer);
      expect(log.inputs).to.deep.equal(prepared.event.inputs);
      await this.checkAccepted(log);
      if (log.kind === Correction && this.model.isRecalled(log.batchId)) this.coverage.correctionsAfterRecall++;
      this.model.apply(prepared.event, log.signer);
      this.coverage.acceptedKinds.add(log.kind);
      this.coverage.acceptedBy.add(path);
    }
    expect(logs.recorded.slice(next), "EventRecorded logs of no submitted event").to.deep.equal([]);
    // recordBatch reports every event it skipped, by its index, and no other
    const expectedRejections = batched ? refused.map((i) => ({ index: i, batchId: planned[i].prepared.event.batchId })) : [];
    expect(logs.rejected).to.deep.equal(expectedRejections);
  }

  /** The rules that an accepted event must satisfy, judged by the log and the chain's roles. */
  private async checkAccepted(log: RecordedLog): Promise<void> {
    // (3) nothing but a correction after a recall
    if (log.kind !== Correction) {
      expect(this.model.isRecalled(log.batchId), `event of kind ${log.kind} accepted after the recall`).to.equal(false);
    }
    // (2) the signer holds a role for the kind; a recall comes from the creator or an admin
    const roles = await this.rolesOnChain(log.signer, KIND_ROLES[log.kind]);
    const allowed =
      log.kind === Recall
        ? roles.includes("admin") || (roles.length > 0 && this.model.creator(log.batchId) === log.signer)
        : roles.length > 0;
    expect(allowed, `event of kind ${log.kind} accepted from ${log.signer}`).to.equal(true);
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

  /** (1) heads, (4) recall flags, and origins are what the accepted events make them. */
  async checkFinalState(): Promise<void> {
    for (const batch of BATCHES) {
      expect(await this.f.ledger.headOf(batch), `head of ${batch}`).to.equal(this.model.head(batch));
      expect(await this.f.ledger.isRecalled(batch), `recall of ${batch}`).to.equal(this.model.isRecalled(batch));
      const origin = await this.f.ledger.originOf(batch);
      expect(origin.creator, `creator of ${batch}`).to.equal(this.model.creator(batch) ?? ZeroAddress);
    }
  }
}

describe("ProvenanceLedger", function () {
  describe("properties", function () {
    // Shrinking a counterexample replays many runs: leave it time to finish.
    this.timeout(600_000);

    it("accepts exactly the events the rules allow, and each head commits to the accepted events", async function () {
      const coverage: Coverage = { acceptedKinds: new Set(), acceptedBy: new Set(), rejectedBy: new Set(), correctionsAfterRecall: 0 };
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
    });
  });
});
