/**
 * Finding 2 of issue 19, measured as the competitor would try it: a producer writes on another
 * cooperative's batch — a processing note "this batch is contaminated", then a split of the whole
 * batch into a lot of its own — through the API with its key, through a self-signed relay, and
 * with its own key straight to the contract. Prints what each attempt got and what the victim's
 * page and the competitor's lot then show.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-extend-batch.ts
 *
 * A real gateway process on an anvil this script starts (so it can reach the contract itself).
 * Uses only what every version has (the gateway process, the API, the compiled contract), and
 * finds out itself whether the contract takes custody proofs, so it runs on older code too.
 */
import { Contract, Wallet, type Signer } from "ethers";
import { ANVIL_DEV_KEY } from "../server/chain/anvil";
import { startTarget, type Target } from "./lib/attack-target";
import * as payload from "./lib/payloads";
import { loadLedgerArtifact } from "../server/chain/ledger-artifact";
import * as typedData from "../server/chain/typed-data";
import * as ledgerEvents from "../server/chain/ledger-events";
import { hashDetail } from "../server/domain/hashes";
import { batchIdFor } from "../server/domain/gs1";

const NOTE = { type: "processing", step: "other", occurredAt: "2026-06-01T20:00:00+08:00", notes: "this batch is contaminated, do not buy" };

/** Every way the rival tries, in turn, and what each attempt got. */
export async function tryToExtend(h: Target): Promise<Record<string, string>> {
  const outcome: Record<string, string> = {};
  {
    const victim = await h.org("田阳芒果专业合作社", "producer");
    const rival = await h.org("竞争对手合作社", "producer");
    const ownKey = Wallet.createRandom();
    const selfSigner = await h.org("自签名的竞争对手", "producer", ownKey.address);
    const harvest = (await h.call("POST", "/api/v1/batches", { token: victim.apiKey, body: payload.harvest("VICTIM-1") })).body;
    const victimBatch = harvest.batchId as string;
    await h.settle(harvest.eventId);

    const api = async (name: string, body: unknown) => {
      const answer = await h.call("POST", `/api/v1/batches/${victimBatch}/events`, { token: rival.apiKey, body });
      await h.settle(answer.status === 202 ? answer.body.eventId : undefined);
      const settled = answer.status === 202 ? (await h.call("GET", `/api/v1/events/${answer.body.eventId}`)).body.status : undefined;
      outcome[name] = answer.status === 202 ? `accepted (${settled})` : `refused ${answer.status}: ${answer.body.error?.message}`;
    };
    await api("API: processing note on the victim's batch", NOTE);
    await api("API: split the victim's 500 kg into the rival's own lot", {
      ...NOTE,
      notes: "repacked",
      outputs: [{ gtin: payload.MANGO_GTIN, lot: "RIVAL-OWN", quantity: { amount: 500, unit: "kg" } }],
    });

    const prepared = await h.call("POST", `/api/v1/signing-requests/batches/${victimBatch}/events`, { token: selfSigner.apiKey, body: NOTE });
    if (prepared.status !== 201) outcome["self-signed relay through the gateway"] = `refused ${prepared.status}: ${prepared.body.error?.message}`;
    else {
      const { domain, types, events, requestId } = prepared.body;
      const signatures = [await ownKey.signTypedData(domain, types, events[0].message)];
      const submitted = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures`, { token: selfSigner.apiKey, body: { signatures } });
      await h.settle(submitted.status === 202 ? submitted.body.eventId : undefined);
      outcome["self-signed relay through the gateway"] = submitted.status === 202 ? "accepted" : `refused ${submitted.status}`;
    }

    outcome["own key straight to the contract"] = await directRelay(h, victimBatch, ownKey);

    const page = await (await fetch(`${h.base}/p/${victimBatch}`)).text();
    outcome["victim's page shows the note"] = String(page.includes("contaminated"));
    const rivalLot = await h.call("GET", `/api/v1/batches/${batchIdFor(payload.MANGO_GTIN, "RIVAL-OWN")}`);
    outcome["rival's lot exists with the victim's history"] = String(rivalLot.status === 200);
  }
  return outcome;
}

async function main(): Promise<void> {
  const h = await startTarget();
  try {
    const outcome = await tryToExtend(h);
    for (const [what, result] of Object.entries(outcome)) console.log(`${what.padEnd(58)} ${result}`);
    console.log(JSON.stringify(outcome));
  } finally {
    await h.stop();
  }
}

/** The self-signing rival signs a processing event on the victim's batch and relays it itself. */
async function directRelay(h: Target, batchId: string, key: Signer): Promise<string> {
  const { chainId, contract } = (await h.call("GET", "/api/v1/chain")).body;
  const artifact = loadLedgerArtifact();
  // Any funded account may relay a signed event: the attacker uses a public development account.
  const ledger = new Contract(contract, artifact.abi, new Wallet(ANVIL_DEV_KEY, h.provider));
  const withProofs = ledger.interface.getFunction("record")!.inputs.length === 4;
  const head = await ledger.headOf(batchId);
  const event = { batchId, kind: 1, prevHead: head, dataHash: hashDetail(NOTE), inputs: [] as string[], ...(withProofs ? { counterparty: "0x0000000000000000000000000000000000000000" } : {}) };
  const signed = await typedData.signEvent(key, typedData.ledgerDomain(chainId, contract), event as never);
  try {
    if (withProofs) {
      // The custody proof the head commits to, read from the chain's own logs.
      const logs = await h.provider.getLogs(ledgerEvents.batchHistoryFilter(contract, batchId, 0));
      const last = ledgerEvents.replayBatch(batchId, ledgerEvents.decodeLedgerLogs(logs, contract)).at(-1) as unknown as {
        link: string;
        custody: { holders: string[]; pending: string[] };
      };
      const proof = [{ link: last.link, holders: last.custody.holders.length, pending: last.custody.pending.length }];
      await (await ledger.record(signed, [], proof, [...last.custody.holders, ...last.custody.pending])).wait();
    } else {
      await (await ledger.record(signed, [])).wait();
    }
    await h.settle();
    return "recorded on chain";
  } catch (error) {
    const data = (error as { data?: string }).data;
    const reason = data ? ledger.interface.parseError(data)?.name : (error as Error).message.slice(0, 80);
    return `reverted: ${reason}`;
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
