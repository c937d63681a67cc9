/**
 * audit: an independent audit of a batch and its lineage against the chain node itself
 * (services/ledger-audit/). Asks no gateway for a verdict: the gateways and bundle files named
 * by --details are only where the details are fetched, and every detail counts only if its
 * exact bytes hash to the chain's data hash.
 */
import { existsSync, statSync } from "node:fs";
import { isAddress } from "ethers";
import { Gs1Error, parseBatchId } from "../domain/gs1";
import type { OrgRole } from "../domain/event-kinds";
import type { AuditedBatch, AuditedEvent, AuditReport } from "../services/ledger-audit/audit-report";
import { ChainUnreachable, isHttpEndpoint } from "../services/ledger-audit/chain-connection";
import { detailSource } from "../services/ledger-audit/detail-sources";
import { auditBatchLedger, AuditRefused } from "../services/ledger-audit/ledger-audit";
import { BATCH_TARGET_OPTIONS, batchTarget } from "./batch-target";
import { requiredOption, stringOption, type Command, type CommandContext } from "./command";
import { CliFailure, EXIT, Interrupted, UsageError } from "./failures";

export const audit: Command = {
  words: ["audit"],
  summary: "audit a batch and its lineage against the chain node itself (exit 4 mismatch, 5 incomplete)",
  usage: `audit (BATCH_ID | --gtin GTIN --lot LOT) --rpc URL|SOCKET --ledger ADDRESS [--details URL|FILE]... [--from-block N]
  BATCH_ID             the batch (0x…), or:
  --gtin GTIN --lot LOT
  --rpc URL|SOCKET     the chain node itself: an http(s) JSON-RPC URL or the path of an IPC
                       socket (the embedded chain's DATA_DIR/anvil.ipc); never a gateway
  --ledger ADDRESS     the ledger contract
  --details URL|FILE   where the events' details are, tried in the order given for each event
                       (repeat it): the base URL of any gateway or peer (GET URL/api/v1/details/
                       {dataHash}; 404: not there) or a ledger bundle file (provenance export).
                       A detail counts only if the keccak256 of its exact bytes is the chain's
                       data hash; a source that gives other bytes is a mismatch, even when a
                       later source has the honest detail
  --from-block N       the first block whose logs are read (default 0; the deploy block will do)
  It follows the batch's lineage into every batch it was made from, each audited the same way,
  and prints each event: time (block, China time), signer with the roles the contract holds for
  it then and now, data hash, where its detail came from and what it says. It takes no --url.
  exit 0: verified: every detail hashes to the chain's data hash, every head is headOf
  exit 4: a mismatch: a source's detail does not hash to the chain's data hash, or a head
          recomputed from the logs is not the contract's (each named, with its event)
  exit 5: incomplete: no source had some event's detail (each named); nothing contradicts the chain
  exit 1: no such batch, or no ledger at ADDRESS; exit 3: the chain node cannot be reached
  The ledger's rules (custody, quantities, recalls, corrections) are checked over the chain and
  the details; what breaks them is printed as a warning and does not change the exit code.`,
  options: {
    ...BATCH_TARGET_OPTIONS,
    rpc: { type: "string" },
    ledger: { type: "string" },
    details: { type: "string", multiple: true },
    "from-block": { type: "string" },
  },
  positionals: { min: 0, max: 1 },
  async run(context) {
    const request = auditRequest(context);
    let report: AuditReport;
    try {
      report = await interruptible(auditBatchLedger(request), context.signal);
    } catch (error) {
      if (error instanceof ChainUnreachable) throw new CliFailure(EXIT.unreachable, error.message);
      if (error instanceof AuditRefused) throw new CliFailure(EXIT.refused, error.message);
      throw error;
    }
    const exitCode = report.verdict === "verified" ? EXIT.done : report.verdict === "mismatch" ? EXIT.chainDisagrees : EXIT.incomplete;
    return { exitCode, json: report, text: formatAudit(report), ...(exitCode === EXIT.done ? {} : { error: verdictLine(report) }) };
  },
};

function auditRequest(context: CommandContext) {
  const { values } = context;
  if (stringOption(values, "url") !== undefined) {
    throw new UsageError("--url: the audit asks no gateway for its verdict; name where the details are with --details URL");
  }
  const batchId = batchTarget(context);
  try {
    parseBatchId(batchId);
  } catch (error) {
    if (error instanceof Gs1Error) throw new UsageError(`batch id: ${error.message}`);
    throw error;
  }
  const rpc = requiredOption(values, "rpc");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rpc) && !isHttpEndpoint(rpc)) {
    throw new UsageError(`--rpc: an http(s) JSON-RPC URL or the path of an IPC socket, not ${JSON.stringify(rpc)}`);
  }
  const ledger = requiredOption(values, "ledger");
  if (!isAddress(ledger)) throw new UsageError(`--ledger: an address (0x and 40 hex digits), not ${JSON.stringify(ledger)}`);
  const fromText = stringOption(values, "from-block") ?? "0";
  if (!/^\d+$/.test(fromText) || !Number.isSafeInteger(Number(fromText))) throw new UsageError(`--from-block: a block number, not ${JSON.stringify(fromText)}`);
  // parseArgs gives a repeated option as a list.
  const specs = (values.details as unknown as string[] | undefined) ?? [];
  for (const spec of specs) {
    if (isHttpEndpoint(spec)) continue;
    if (!existsSync(spec) || !statSync(spec).isFile()) throw new UsageError(`--details: ${spec} is neither an http(s) URL nor a bundle file`);
  }
  return { batchId, rpc, ledger, fromBlock: Number(fromText), sources: specs.map((spec) => detailSource(spec, { ledger })) };
}

function interruptible<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

// ---- the report as a person reads it ------------------------------------------------------------

export function formatAudit(report: AuditReport): string {
  const lines: string[] = [];
  const root = report.batches[0];
  const { chain } = report;
  lines.push(`audit of ${lotName(root.gtin, root.lot)} (${root.batchId})`);
  lines.push(`  chain ${chain.chainId} at block ${chain.block} via ${chain.endpoint}; ledger ${chain.ledger} (version ${chain.ledgerVersion}); logs from block ${chain.fromBlock}`);
  if (report.sources.length === 0) lines.push("  details from: no source given (--details): only the heads can be checked");
  report.sources.forEach((s, i) => {
    lines.push(`  details from ${i + 1}. ${s.source} (${s.kind === "url" ? "gateway or peer" : "bundle file"}): ${s.details} matching the chain`);
    for (const problem of s.problems) lines.push(`       ! ${problem}`);
  });
  const names = new Map(report.batches.map((b) => [b.batchId, lotName(b.gtin, b.lot)]));
  for (const batch of report.batches) lines.push("", ...batchLines(batch, names));
  if (report.related.length) {
    const listed = report.related.map((b) => `${lotName(b.gtin, b.lot)} (${b.events} event${b.events === 1 ? "" : "s"})`).join(", ");
    lines.push("", `also read for the rules, made from these batches: ${listed}`);
  }
  if (report.mismatches.length) {
    lines.push("", `MISMATCHES (${report.mismatches.length})`);
    for (const m of report.mismatches) lines.push(`  ✗ ${m.message}`);
  }
  if (report.missing.length) {
    lines.push("", `MISSING DETAILS (${report.missing.length})`);
    for (const m of report.missing) lines.push(`  ? ${m.message}${m.related ? " (a batch read for the rules)" : ""}`);
  }
  if (report.findings.length) {
    lines.push("", `rules: ${report.findings.length} finding(s), warnings that do not change the exit code`);
    for (const f of report.findings) {
      const what = f.event ? `event ${f.event.number} (${f.event.kind}) of ${lotName(f.event.gtin, f.event.lot)}` : `the event ${f.dataHash}`;
      const on = f.event && f.event.batchId !== f.batchId ? ` (on ${names.get(f.batchId) ?? f.batchId})` : "";
      lines.push(`  ! ${what}${on}: ${f.message}`, `      ${f.zh}`);
    }
  } else {
    lines.push("", "rules: no finding (custody, quantities, recalls, corrections)");
  }
  lines.push("", verdictLine(report));
  return lines.join("\n");
}

function batchLines(batch: AuditedBatch, names: Map<string, string>): string[] {
  const name = (id: string) => names.get(id) ?? lotOf(id);
  const role = batch.depth === 0 ? "the batch audited" : `made into ${batch.inputOf.map(name).join(", ")}`;
  const lines = [`batch ${lotName(batch.gtin, batch.lot)}  ${batch.batchId}  (${role})`];
  if (batch.inputs.length) lines.push(`  made from  ${batch.inputs.map(name).join(", ")}`);
  for (const event of batch.events) lines.push(...eventLines(event, name));
  lines.push(
    batch.headMatches
      ? `  head       ${batch.chainHead}  = the contract's headOf ✓`
      : `  head       ✗ the logs give ${batch.recomputedHead}, the contract's headOf is ${batch.chainHead}`,
  );
  return lines;
}

function eventLines(event: AuditedEvent, name: (id: string) => string): string[] {
  const mark = event.status === "live" ? "" : `   ${event.status.toUpperCase()}`;
  const lines = [`  ${event.number}. ${event.kind.padEnd(10)} ${event.time.replace("T", " ").replace("+08:00", " +08:00")}  block ${event.blockNumber}  tx ${event.txHash}${mark}`];
  lines.push(`       signer   ${event.signer}  roles then: ${rolesText(event.roles.atBlock)} · now: ${rolesText(event.roles.now)}`);
  if (event.inputs.length) lines.push(`       inputs   ${event.inputs.map(name).join(", ")}`);
  if (event.consignee) lines.push(`       to       ${event.consignee} (the consignee on chain)`);
  if (event.detail) {
    lines.push(`       data     ${event.dataHash} ✓ from ${event.detail.source}`);
    lines.push(`       ${event.detail.summary}`);
  } else {
    lines.push(`       data     ${event.dataHash} ? no detail found in any source`);
  }
  return lines;
}

function rolesText(roles: OrgRole[] | null): string {
  if (roles === null) return "unknown (the node did not answer for that block: it may keep no state that old)";
  return roles.length ? roles.join(", ") : "none";
}

function verdictLine(report: AuditReport): string {
  const events = report.batches.reduce((n, b) => n + b.events.length, 0);
  const scope = `${events} event${events === 1 ? "" : "s"} of ${report.batches.length} batch${report.batches.length === 1 ? "" : "es"}`;
  switch (report.verdict) {
    case "verified":
      return `VERIFIED: ${scope}; every detail hashes to the chain's data hash and every head is the contract's headOf`;
    case "mismatch":
      return `MISMATCH: ${report.mismatches.length} mismatch(es) with the chain in ${scope} (exit 4)`;
    case "incomplete":
      return `INCOMPLETE: ${report.missing.length} event(s) with no detail in any source; nothing found contradicts the chain in ${scope} (exit 5)`;
  }
}

function lotName(gtin: string, lot: string): string {
  return `${gtin} / ${lot}`;
}

function lotOf(batchId: string): string {
  try {
    const { gtin, lot } = parseBatchId(batchId);
    return lotName(gtin, lot);
  } catch {
    return batchId;
  }
}
