/**
 * Sends accepted certification writes (attest, revoke) to the chain, one transaction each, in
 * the order they were accepted. Each is simulated first: a refusal becomes a failed write with
 * the contract's reason in words, and "already attested" / "already revoked" means an earlier
 * send got through (a crash between sending and recording), so the write is confirmed, never
 * sent twice. A write is confirmed once the block that holds it is final (chain/finality.ts);
 * until then it stays submitted, with its block. A chain that lost blocks is noticed on start:
 * confirmed writes the chain no longer shows go back to pending.
 */
import type { Contract, ContractRunner, Provider } from "ethers";
import { decodeCertification, encodeAttest, encodeCertification, encodeRevoke, type SignatureParts } from "../../chain/ledger-calls";
import type { Attestation } from "../../chain/typed-data";
import type { CertificationOutboxRepository, CertificationWrite } from "../../store/certification-outbox-repository";
import { createTicker } from "../ticker";
import { explainRevert, revertDataOf, revertName } from "./explain-error";

export interface CertificationSenderOptions {
  repo: CertificationOutboxRepository;
  /**
   * The ledger, connected to the signer that pays for these transactions: its address, that
   * signer and its ABI's errors are used; the calls are encoded by chain/ledger-calls.ts.
   */
  ledger: Contract;
  provider: Provider;
  /** Runs a send in the queue of that signer, so its nonces never interleave with other sends. */
  serialize<T>(send: () => Promise<T>): Promise<T>;
  /**
   * Whether the batch's creating event is accepted but not on chain yet: an attestation of such
   * a batch waits for it instead of failing as "unknown batch".
   */
  batchOnItsWay?: (batchId: string) => boolean;
  /** The last final block, given the chain's head (chain/finality.ts); every mined block unless given. */
  finalBlock?: (head: number) => number;
  log?: (message: string) => void;
}

export interface CertificationSender {
  /** Settles the next unsettled writes; a call while a tick runs returns that tick. */
  tick(): Promise<void>;
  /** Requeues confirmed writes the chain does not show (it lost blocks). */
  reconcile(): Promise<number>;
  /** Reconciles, then ticks every intervalMs (the first tick one interval after the reconcile). */
  start(intervalMs: number): void;
  /** Stops ticking; resolves once the reconcile or tick under way has finished. */
  stop(): Promise<void>;
}

const DONE_ALREADY: Record<CertificationWrite["action"], string> = {
  attest: "CertificationRegistryCertificationExists",
  revoke: "CertificationRegistryCertificationAlreadyRevoked",
};

export function createCertificationSender(options: CertificationSenderOptions): CertificationSender {
  const { repo, ledger, provider, log = () => {} } = options;
  const finalBlock = options.finalBlock ?? ((head: number) => head);
  /** Set by stop(): a tick under way stops before its next write. */
  let stopped = false;

  /** A write mined in `blockNumber` (or found done on chain at that height): confirmed once it is final. */
  function mined(write: CertificationWrite, blockNumber: number, final: number, txHash?: string): void {
    repo.setStatus(write.id, blockNumber <= final ? "confirmed" : "submitted", { blockNumber, ...(txHash && { txHash }) });
  }

  async function send(write: CertificationWrite, head: number): Promise<void> {
    const signer = senderOf(ledger);
    const call = { to: await ledger.getAddress(), data: callDataOf(write) };
    try {
      await signer.call(call);
    } catch (error) {
      const data = revertDataOf(error);
      if (data === undefined) throw error; // the node is unreachable: try again next tick
      const reason = revertName(ledger.interface, data);
      if (reason === DONE_ALREADY[write.action]) {
        // Done on chain already, by a send whose answer was lost: confirmed once the head it was
        // found at is final (a later tick simulates again, so a lost block makes it go again).
        mined(write, write.blockNumber ?? head, finalBlock(head));
      } else if (reason === "CertificationRegistryUnknownBatch" && write.batchId && options.batchOnItsWay?.(write.batchId)) {
        return; // the harvest it certifies is still in the outbox: try again next tick
      } else {
        repo.setStatus(write.id, "failed", { error: explainRevert(ledger.interface, data) });
      }
      return;
    }
    const tx = await options.serialize(() => signer.sendTransaction(call));
    repo.setStatus(write.id, "submitted", { txHash: tx.hash });
    log(`certification ${write.action} ${write.certificationId}: transaction ${tx.hash}`);
    const receipt = await tx.wait();
    if (receipt?.status === 1) mined(write, receipt.blockNumber, finalBlock(await provider.getBlockNumber()), tx.hash);
    else repo.setStatus(write.id, "pending"); // simulated again next tick, which names the reason
  }

  async function runTick(): Promise<void> {
    const head = await provider.getBlockNumber();
    for (const write of repo.unsettled(20)) {
      if (stopped) return;
      if (write.status === "submitted" && write.txHash) {
        const receipt = await provider.getTransactionReceipt(write.txHash);
        if (receipt) {
          if (receipt.status === 1) mined(write, receipt.blockNumber, finalBlock(head));
          else repo.setStatus(write.id, "pending");
          continue;
        }
        if (await provider.getTransaction(write.txHash)) continue; // still waiting to be mined
      }
      await send(write, head);
    }
  }

  async function reconcile(): Promise<number> {
    let requeued = 0;
    const signer = senderOf(ledger);
    const to = await ledger.getAddress();
    for (const write of repo.confirmed()) {
      const stored = decodeCertification(await signer.call({ to, data: encodeCertification(write.certificationId) }));
      const onChain = write.action === "attest" ? stored.certifier !== "0x0000000000000000000000000000000000000000" : stored.revoked;
      if (!onChain) {
        repo.setStatus(write.id, "pending");
        requeued++;
      }
    }
    if (requeued) log(`the chain lost ${requeued} certification writes: sending them again`);
    return requeued;
  }

  const logError = (error: unknown) => log(`certification sender: ${(error as Error).message}`);
  const ticker = createTicker({ run: runTick, first: "after-interval", onError: logError });
  /** start()'s reconcile, after which the loop starts (settled either way). */
  let starting: Promise<void> = Promise.resolve();

  return {
    tick: ticker.tick,
    reconcile,
    start(intervalMs) {
      stopped = false;
      starting = reconcile()
        .catch(logError)
        .then(() => {
          if (!stopped) ticker.start(intervalMs);
        });
    },
    async stop() {
      stopped = true;
      await Promise.all([ticker.stop(), starting]);
    },
  };
}

/** The write's calldata, from the payload the certification service stored (its uint64s as decimal strings). */
function callDataOf(write: CertificationWrite): string {
  const p = write.payload as SignatureParts & { attestation: Record<string, unknown>; certificationId: string; reason: string };
  if (write.action === "revoke") return encodeRevoke(p.certificationId, p.reason, p);
  const a = p.attestation;
  const attestation: Attestation = {
    scheme: String(a.scheme),
    certificateNo: String(a.certificateNo),
    subjectKind: Number(a.subjectKind),
    batchId: String(a.batchId),
    producer: String(a.producer),
    gtin: BigInt(a.gtin as string),
    validFrom: BigInt(a.validFrom as string),
    validUntil: BigInt(a.validUntil as string),
    dataHash: String(a.dataHash),
  };
  return encodeAttest(attestation, p);
}

type Sender = Required<Pick<ContractRunner, "call" | "sendTransaction">>;

/** The signer the ledger contract is connected to, which simulates and sends the writes. */
function senderOf(ledger: Contract): Sender {
  const runner = ledger.runner;
  if (!runner?.call || !runner.sendTransaction) {
    throw new Error("the ledger must be connected to the signer that sends certification writes");
  }
  return runner as Sender;
}
