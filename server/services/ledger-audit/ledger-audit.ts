/**
 * An independent audit of a batch, as anyone who can reach a chain node may make it: it talks to
 * the node and to the detail sources it is given, never to a gateway's verify route or database.
 *
 * 1. Fixes the block it audits at (the node's latest) and checks that the address holds a
 *    ledger of the version whose head formula it computes.
 * 2. Reads the batch's history from the chain's logs and follows its lineage into every input
 *    batch, recursively, each once; and the batches made from those, which the rules read.
 * 3. Asks the sources, in order, for each event's detail and keeps only bytes whose keccak256 is
 *    the event's data hash; a source that gives other bytes is a mismatch, named with the event.
 * 4. Recomputes each batch's head chain from the logs and compares it with headOf.
 * 5. Checks the ledger's rules (custody, quantities, recalls, corrections) over what the chain
 *    and the details say (ChainEntries and BatchLedger, as the gateway's verifier does; those
 *    read the logs up to the node's latest block, an event recorded meanwhile included).
 *
 * The verdict: `mismatch` when a detail or a head contradicts the chain; else `incomplete` when
 * an event's detail was found nowhere; else `verified`. Rule findings are reported beside it and
 * do not change it: the chain proves who signed what, the rules say whether it could be true.
 */
import { decodeLedgerVersion, encodeLedgerVersion } from "../../chain/ledger-calls";
import type { ChainedEvent } from "../../chain/ledger-events";
import { EventKind } from "../../domain/event-kinds";
import { ZERO_HASH } from "../../domain/hashes";
import { BatchLedger } from "../ledger-rules/batch-ledger";
import { ChainEntries } from "../ledger-rules/chain-entries";
import type { AuditReport, EventRef, Mismatch, MissingDetail, RuleFinding } from "./audit-report";
import { auditBatch, eventWords, missingDetail, refOf } from "./batch-audit";
import { shortReason, type ChainBatch, type ChainView } from "./batch-history";
import { ChainUnreachable, connectChain } from "./chain-connection";
import { resolveDetails, type AuditDetailSource } from "./detail-sources";
import { walkLineage } from "./lineage-walk";
import { RolesAtBlock } from "./roles-at-block";

/** The ledger version whose head formula (heads commit to custody) this audit computes. */
export const AUDITED_LEDGER_VERSION = 2;

/** The audit cannot be made: the address holds no ledger this audit reads, or the batch is not on chain. */
export class AuditRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditRefused";
  }
}

export interface AuditRequest {
  batchId: string;
  /** An http(s) JSON-RPC URL or the path of an IPC socket. */
  rpc: string;
  ledger: string;
  sources: AuditDetailSource[];
  /** The first block whose logs are read: the ledger's deploy block or earlier (0 by default). */
  fromBlock?: number;
}

export async function auditBatchLedger(request: AuditRequest): Promise<AuditReport> {
  const connection = await connectChain(request.rpc);
  try {
    return await audit(request, connection.provider, connection.chainId);
  } catch (error) {
    if (error instanceof AuditRefused || error instanceof ChainUnreachable || !isNodeFailure(error)) throw error;
    throw new ChainUnreachable(`the chain at ${request.rpc} failed to answer: ${shortReason(error)}`);
  } finally {
    connection.close();
  }
}

async function audit(request: AuditRequest, provider: ChainView["provider"], chainId: number): Promise<AuditReport> {
  const ledger = request.ledger.toLowerCase();
  const atBlock = await provider.getBlockNumber();
  const chain: ChainView = { provider, ledger, fromBlock: request.fromBlock ?? 0, atBlock };
  const ledgerVersion = await checkLedger(chain, request.ledger, chainId);

  const { lineage, related } = await walkLineage(chain, request.batchId);
  const root = lineage[0];
  if (root.events.length === 0 && root.chainHead === ZERO_HASH) {
    throw new AuditRefused(`the chain holds no batch ${root.gtin} / ${root.lot} (${root.batchId}) at block ${atBlock}`);
  }

  // Every event the audit names, by its data hash: the lineage's and those the rules read.
  const refs = new Map<string, EventRef[]>();
  const index = (batch: ChainBatch) =>
    batch.events.forEach((chained, position) => {
      const hash = chained.event.dataHash.toLowerCase();
      refs.set(hash, [...(refs.get(hash) ?? []), refOf(batch, chained, position)]);
    });
  lineage.forEach(index);
  related.forEach(index);

  const details = await resolveDetails(request.sources, refs.keys());
  const roles = new RolesAtBlock(provider, ledger);
  const blockTimes = new Map<number, Promise<number>>();
  const blockTime = (n: number) => {
    let time = blockTimes.get(n);
    if (!time) {
      time = provider.getBlock(n).then((block) => block?.timestamp ?? 0);
      blockTimes.set(n, time);
    }
    return time;
  };

  // The ledger's rules, over the chain's own logs and the details that hash right.
  const admins = await adminsAmong([...lineage, ...related], roles, atBlock);
  const entries = new ChainEntries(provider, ledger, chain.fromBlock, (hash) => details.details.get(hash.toLowerCase())?.text);
  const ledgers = new Map<string, BatchLedger>();
  for (const batch of lineage) {
    ledgers.set(batch.batchId, BatchLedger.fold(await entries.entries(batch.batchId), { isAdmin: (a) => admins.has(a.toLowerCase()), now: Date.now() }));
  }
  const findings = ruleFindings(ledgers, refs);

  const audits = await Promise.all(
    lineage.map((batch) =>
      auditBatch(batch, {
        chain,
        details,
        roles,
        blockTime,
        statusOf: (batchId, hash) => ledgers.get(batchId)?.statusOf(hash) ?? "live",
      }),
    ),
  );

  const mismatches: Mismatch[] = [];
  for (const tampered of details.tampered) {
    for (const event of refs.get(tampered.dataHash) ?? []) {
      mismatches.push({
        type: "detail",
        event,
        dataHash: tampered.dataHash,
        source: tampered.source,
        detailHash: tampered.detailHash,
        message: `${eventWords(event)}: the detail from ${tampered.source} hashes to ${tampered.detailHash}, the chain recorded ${tampered.dataHash}`,
      });
    }
  }
  for (const { headMismatch } of audits) if (headMismatch) mismatches.push(headMismatch);

  const missing: MissingDetail[] = audits.flatMap((a) => a.missing);
  for (const batch of related) {
    batch.events.forEach((chained, position) => {
      const hash = chained.event.dataHash.toLowerCase();
      if (!details.details.has(hash)) missing.push(missingDetail(refOf(batch, chained, position), hash, true, { details }));
    });
  }

  const verdict = mismatches.length ? "mismatch" : missing.length ? "incomplete" : "verified";
  const given = new Map<string, number>();
  for (const { source } of details.details.values()) given.set(source, (given.get(source) ?? 0) + 1);
  return {
    ok: verdict === "verified",
    verdict,
    batchId: root.batchId,
    chain: { endpoint: request.rpc, chainId, ledger: request.ledger, ledgerVersion, block: atBlock, fromBlock: chain.fromBlock },
    sources: request.sources.map((source) => ({
      source: source.label,
      kind: source.kind,
      details: given.get(source.label) ?? 0,
      problems: details.problems.get(source.label) ?? [],
    })),
    batches: audits.map((a) => a.batch),
    related: related.map((b) => ({ batchId: b.batchId, gtin: b.gtin, lot: b.lot, events: b.events.length })),
    mismatches,
    missing,
    findings,
  };
}

/** The ledger's version at the address; refuses an address with no code or another version. */
async function checkLedger(chain: ChainView, address: string, chainId: number): Promise<number> {
  const code = await chain.provider.getCode(chain.ledger, chain.atBlock);
  if (code === "0x") throw new AuditRefused(`there is no contract at ${address} on chain ${chainId} (block ${chain.atBlock})`);
  let version: number;
  try {
    version = Number(decodeLedgerVersion(await chain.provider.call({ to: chain.ledger, data: encodeLedgerVersion(), blockTag: chain.atBlock })));
  } catch {
    throw new AuditRefused(`the contract at ${address} does not answer ledgerVersion(): not a provenance ledger this audit reads`);
  }
  if (version !== AUDITED_LEDGER_VERSION) {
    throw new AuditRefused(`the ledger at ${address} is version ${version}; this audit computes the heads of version ${AUDITED_LEDGER_VERSION}`);
  }
  return version;
}

/**
 * Signers that held the ledger's admin role when they signed a correction, or hold it now: an
 * admin may correct any event (the rules ask it of an address alone).
 */
async function adminsAmong(batches: ChainBatch[], roles: RolesAtBlock, atBlock: number): Promise<Set<string>> {
  const admins = new Set<string>();
  const checks: Array<Promise<void>> = [];
  const check = (signer: string, block: number) =>
    checks.push(
      roles.rolesOf(signer, block).then((held) => {
        if (held?.includes("admin")) admins.add(signer.toLowerCase());
      }),
    );
  const events: ChainedEvent[] = batches.flatMap((b) => b.events);
  for (const signer of new Set(events.map((e) => e.signer))) check(signer, atBlock);
  for (const e of events) if (e.event.kind === EventKind.Correction) check(e.signer, e.blockNumber);
  await Promise.all(checks);
  return admins;
}

/** Each batch's findings, with the event they are about where the audit read it; once each. */
function ruleFindings(ledgers: Map<string, BatchLedger>, refs: Map<string, EventRef[]>): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const seen = new Set<string>();
  for (const [batchId, ledger] of ledgers) {
    for (const finding of ledger.findings) {
      const key = `${batchId}|${finding.ref}|${finding.code}|${finding.en}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const candidates = refs.get(finding.ref.toLowerCase()) ?? [];
      const event = candidates.find((r) => r.batchId === batchId) ?? candidates[0];
      findings.push({ batchId, dataHash: finding.ref, ...(event ? { event } : {}), code: finding.code, message: finding.en, zh: finding.zh });
    }
  }
  return findings;
}

/** ethers' codes for a node or transport that failed (not a call the contract refused). */
const NODE_FAILURES = new Set(["NETWORK_ERROR", "SERVER_ERROR", "TIMEOUT", "UNKNOWN_ERROR", "BAD_DATA"]);

/** Whether the chain stopped answering: an ethers node failure, or the IPC socket lost. */
function isNodeFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === "string" && NODE_FAILURES.has(code)) || /the chain's socket/.test(String(message));
}
