/**
 * The relayer tests' world: a real anvil on a free loopback port with a state file, the ledger
 * deployed by the real deploy step, organisations as plain ethers Wallets holding roles, an
 * outbox filled the way the API fills it, and a check that the chain holds every accepted event
 * exactly once, in order.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, Interface, JsonRpcProvider, Wallet, ZeroAddress, hexlify, randomBytes, type TypedDataDomain } from "ethers";
import { startAnvil, ANVIL_DEV_KEY, type AnvilHandle } from "../../../server/chain/anvil";
import { deployLedger, type Deployment } from "../../../server/chain/deploy-ledger";
import { chainStep, ledgerDomain, signEvent } from "../../../server/chain/typed-data";
import type { Custody } from "../../../server/domain/custody";
import { type LedgerEvent } from "../../../server/domain/ledger-types";
import { hashDetail, ZERO_HASH } from "../../../server/domain/hashes";
import { canonicalize } from "../../../server/domain/canonical-json";
import { batchIdFor } from "../../../server/domain/gs1";
import { openDatabase, type Db } from "../../../server/store/database";
import { OrgRepository } from "../../../server/store/org-repository";
import { OutboxRepository, type OutboxEvent } from "../../../server/store/outbox-repository";
import type { RoleName } from "../../../server/domain/event-kinds";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const LEDGER_ARTIFACT = require("../../../artifacts/contracts/ProvenanceLedger.sol/ProvenanceLedger.json") as {
  abi: object[];
  bytecode: string;
};
export const LEDGER_IFACE = new Interface(LEDGER_ARTIFACT.abi as never);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A provider without ethers' 250 ms read cache, as the gateway uses. */
export const uncachedProvider = (rpcUrl: string) =>
  new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });

export interface Orgs {
  producer: Wallet;
  processor: Wallet;
  carrier: Wallet;
  retailer: Wallet;
  /** A second retailer, one whose key the gateway does not keep. */
  selfRetailer: Wallet;
  /** Holds no role. */
  outsider: Wallet;
}

export class TestChain {
  private constructor(
    public anvil: AnvilHandle,
    readonly port: number,
    readonly stateFile: string,
    readonly stateInterval: number,
    readonly dir: string,
    readonly provider: JsonRpcProvider,
    readonly deployment: Deployment,
    readonly ledger: Contract,
    readonly domain: TypedDataDomain,
    readonly orgs: Orgs,
  ) {}

  static async start(options: { stateInterval?: number } = {}): Promise<TestChain> {
    const dir = mkdtempSync(path.join(tmpdir(), "relayer-test-"));
    const port = await freePort();
    const stateFile = path.join(dir, "chain", "state.json");
    const stateInterval = options.stateInterval ?? 3600;
    const anvil = await startAnvil({ port, stateFile, stateInterval });
    const provider = uncachedProvider(anvil.rpcUrl);
    const wallet = () => new Wallet(hexlify(randomBytes(32)));
    const orgs: Orgs = {
      producer: wallet(),
      processor: wallet(),
      carrier: wallet(),
      retailer: wallet(),
      selfRetailer: wallet(),
      outsider: wallet(),
    };
    const grants: { role: RoleName; account: string }[] = [
      { role: "producer", account: orgs.producer.address },
      { role: "processor", account: orgs.processor.address },
      { role: "carrier", account: orgs.carrier.address },
      { role: "retailer", account: orgs.retailer.address },
      { role: "retailer", account: orgs.selfRetailer.address },
    ];
    const deployment = await deployLedger({
      signer: new Wallet(ANVIL_DEV_KEY, provider),
      artifact: LEDGER_ARTIFACT as never,
      deploymentsDir: path.join(dir, "deployments"),
      grants,
    });
    const ledger = new Contract(deployment.address, LEDGER_ARTIFACT.abi as never, provider);
    const domain = ledgerDomain(deployment.chainId, deployment.address);
    return new TestChain(anvil, port, stateFile, stateInterval, dir, provider, deployment, ledger, domain, orgs);
  }

  /** A fresh relaying account with funds, so each test has nonces of its own. */
  async fundedWallet(provider: JsonRpcProvider = this.provider): Promise<Wallet> {
    const wallet = new Wallet(hexlify(randomBytes(32)), provider);
    await this.provider.send("anvil_setBalance", [wallet.address, "0x56bc75e2d63100000"]);
    return wallet;
  }

  /** Stops anvil (SIGTERM writes the state file; SIGKILL loses what came after the last write) and starts it again. */
  async restart(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    if (signal === "SIGKILL") this.anvil.process.kill("SIGKILL");
    await this.anvil.stop();
    this.anvil = await startAnvil({ port: this.port, stateFile: this.stateFile, stateInterval: this.stateInterval });
  }

  async stop(): Promise<void> {
    this.provider.destroy();
    await this.anvil.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async mine(): Promise<void> {
    await this.provider.send("evm_mine", []);
  }
}

export function openTestDb(dir: string, name = randomUUID()): { db: Db; file: string } {
  const file = path.join(dir, "db", `${name}.sqlite`);
  return { db: openDatabase(file), file };
}

export const KIND = { Harvest: 0, Processing: 1, Shipment: 2, Receipt: 3, Sale: 4, Recall: 5 } as const;

/** Signs events as organisations do and accepts them into the outbox as the API does. */
export class OutboxWriter {
  readonly outbox: OutboxRepository;
  private readonly orgIds = new Map<string, string>();
  private counter = 0;

  constructor(
    readonly db: Db,
    readonly domain: TypedDataDomain,
  ) {
    this.outbox = new OutboxRepository(db);
  }

  /**
   * Signs over the head the batch will have once everything accepted is recorded (outbox.latest),
   * or over `prevHead` (an accepted event's head, or zero); a shipment names its `counterparty`.
   */
  async add(
    signer: Wallet,
    batchId: string,
    kind: number,
    options: { inputs?: string[]; prevHead?: string; counterparty?: string | { address: string } } = {},
  ): Promise<OutboxEvent> {
    const detail = canonicalize({ n: ++this.counter, kind, batchId, note: `event ${this.counter}` });
    const counterparty = options.counterparty ?? ZeroAddress;
    const event: LedgerEvent = {
      batchId,
      kind,
      prevHead: options.prevHead ?? this.outbox.latestHead(batchId) ?? ZERO_HASH,
      dataHash: hashDetail(JSON.parse(detail)),
      inputs: options.inputs ?? [],
      counterparty: typeof counterparty === "string" ? counterparty : counterparty.address,
    };
    const signed = await signEvent(signer, this.domain, event);
    return this.insert(signer.address, event, signed, detail);
  }

  /**
   * Accepts a signed event as the API does, with its link and the custody after it: extending
   * the custody of the accepted event whose head it signs over, or `custodyBefore` when the
   * batch was moved by others (the API reads it from the index).
   */
  insert(
    signer: string,
    event: LedgerEvent,
    signed: { r: string; s: string; v: number },
    detail = "{}",
    custodyBefore?: Custody,
  ): OutboxEvent {
    const id = randomUUID();
    const before =
      event.prevHead === ZERO_HASH
        ? undefined
        : (custodyBefore ?? this.outbox.ofBatch(event.batchId).findLast((e) => e.head.toLowerCase() === event.prevHead.toLowerCase())?.custody);
    if (event.prevHead !== ZERO_HASH && !before) throw new Error(`no accepted event of ${event.batchId} has head ${event.prevHead}`);
    const { head, link, custody } = chainStep(event, signer, before);
    this.outbox.insert({
      id,
      batchId: event.batchId,
      kind: event.kind,
      orgId: this.orgId(signer),
      signer,
      prevHead: event.prevHead,
      head,
      counterparty: event.counterparty,
      link,
      custody,
      dataHash: event.dataHash,
      detail,
      inputs: event.inputs,
      r: signed.r,
      s: signed.s,
      v: signed.v,
    });
    return this.outbox.byId(id)!;
  }

  private orgId(address: string): string {
    let id = this.orgIds.get(address);
    if (!id) {
      id = randomUUID();
      new OrgRepository(this.db).insert(
        {
          id,
          name: `org ${address}`,
          role: "producer",
          address,
          custodial: true,
          keystore: null,
          createdAt: new Date().toISOString(),
        },
        hexlify(randomBytes(32)),
      );
      this.orgIds.set(address, id);
    }
    return id;
  }
}

export const batch = (lot: string): string => batchIdFor("06901234567892", lot);

/**
 * Ticks until no event is pending or submitted; returns how many ticks it took. A short pause
 * between ticks leaves anvil time to mine (it answers a broadcast before its block is written).
 */
export async function tickUntilSettled(relayer: { tick(): Promise<unknown> }, db: Db, maxTicks = 50): Promise<number> {
  const outbox = new OutboxRepository(db);
  for (let ticks = 1; ticks <= maxTicks; ticks++) {
    await relayer.tick();
    const counts = outbox.countByStatus();
    if (counts.pending === 0 && counts.submitted === 0) return ticks;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not settled after ${maxTicks} ticks: ${JSON.stringify(outbox.countByStatus())}`);
}

/**
 * The chain holds every event of the outbox that did not fail, each exactly once and in seq
 * order per batch; each is confirmed with the transaction and block that recorded it; every
 * batch's head on chain is the head of its last event. (Tests share a chain: their lots differ.)
 */
export async function expectOnChainExactlyOnce(chain: TestChain, db: Db): Promise<void> {
  const recordedTopic = LEDGER_IFACE.getEvent("EventRecorded")!.topicHash;
  const logs = await chain.provider.getLogs({
    address: chain.deployment.address,
    fromBlock: 0,
    toBlock: "latest",
    topics: [recordedTopic],
  });
  const onChain = new Map<string, { dataHash: string; txHash: string; blockNumber: number }[]>();
  for (const log of logs) {
    const parsed = LEDGER_IFACE.parseLog(log)!;
    const key = String(parsed.args.batchId).toLowerCase();
    const list = onChain.get(key) ?? [];
    list.push({
      dataHash: String(parsed.args.dataHash).toLowerCase(),
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
    });
    onChain.set(key, list);
  }

  const rows = db.prepare(`SELECT DISTINCT batch_id FROM outbox`).all() as { batch_id: string }[];
  const outbox = new OutboxRepository(db);
  for (const { batch_id: batchId } of rows) {
    const events = outbox.ofBatch(batchId).filter((e) => e.status !== "failed");
    expect(
      events.map((e) => e.status),
      `statuses of ${batchId}`,
    ).to.deep.equal(events.map(() => "confirmed"));
    const recorded = onChain.get(batchId.toLowerCase()) ?? [];
    expect(
      recorded.map((r) => r.dataHash),
      `events of ${batchId} on chain`,
    ).to.deep.equal(events.map((e) => e.dataHash.toLowerCase()));
    events.forEach((e, i) => {
      expect(e.txHash, `tx of event ${e.id}`).to.equal(recorded[i].txHash);
      expect(e.blockNumber, `block of event ${e.id}`).to.equal(recorded[i].blockNumber);
    });
    const head = events.length ? events[events.length - 1].head : ZERO_HASH;
    expect(String(await chain.ledger.headOf(batchId)).toLowerCase(), `head of ${batchId}`).to.equal(head.toLowerCase());
  }
}

/**
 * `batches` harvests and `splits` packs, each a journey that could be true: the first `splits`
 * harvests are shipped by the cooperative straight to the packing house, which receives them and
 * packs each into a new batch (processing naming the harvest as its input); every pack and every
 * other harvest is shipped by its holder to the counter, received and sold. 4 × batches +
 * 3 × splits events, interleaved pseudo-randomly (each batch's own events in order, a pack only
 * once its harvest reached the packing house).
 */
export async function supplyChain(
  writer: OutboxWriter,
  orgs: Orgs,
  prefix: string,
  batches: number,
  splits: number,
): Promise<void> {
  type Step = { signer: Wallet; batchId: string; kind: number; inputs?: string[]; counterparty?: Wallet };
  const toCounter = (batchId: string, holder: Wallet): Step[] => [
    { signer: holder, batchId, kind: KIND.Shipment, counterparty: orgs.retailer },
    { signer: orgs.retailer, batchId, kind: KIND.Receipt },
    { signer: orgs.retailer, batchId, kind: KIND.Sale },
  ];
  const toPackingHouse = (batchId: string): Step[] => [
    { signer: orgs.producer, batchId, kind: KIND.Shipment, counterparty: orgs.processor },
    { signer: orgs.processor, batchId, kind: KIND.Receipt },
  ];
  const plans: { steps: Step[]; after?: string }[] = [];
  for (let i = 0; i < batches; i++) {
    const id = batch(`${prefix}H${i}`);
    const harvest = { signer: orgs.producer, batchId: id, kind: KIND.Harvest };
    plans.push({ steps: [harvest, ...(i < splits ? toPackingHouse(id) : toCounter(id, orgs.producer))] });
  }
  for (let j = 0; j < splits; j++) {
    const input = batch(`${prefix}H${j}`);
    const id = batch(`${prefix}P${j}`);
    plans.push({
      steps: [{ signer: orgs.processor, batchId: id, kind: KIND.Processing, inputs: [input] }, ...toCounter(id, orgs.processor)],
      after: input,
    });
  }
  const arrived = new Set<string>();
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  while (plans.length > 0) {
    const ready = plans.filter((p) => !p.after || arrived.has(p.after));
    const plan = ready[Math.floor(random() * ready.length)];
    const step = plan.steps.shift()!;
    await writer.add(step.signer, step.batchId, step.kind, { inputs: step.inputs, counterparty: step.counterparty });
    if (plan.steps.length === 0) {
      arrived.add(step.batchId);
      plans.splice(plans.indexOf(plan), 1);
    }
  }
}
