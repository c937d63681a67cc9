/**
 * The product's command line, a client of a running gateway's API (audit alone reads the chain
 * node itself, and gateways or bundle files only for the details):
 *
 *   provenance org create --name 田阳芒果合作社 --role producer [--address 0x…]
 *   provenance member create (--org ORG_ID | --programme) --username U [--display-name N] [--admin]
 *   provenance member unlock --username U
 *   provenance org list | org keys --org ID | org rotate-key --org ID | org revoke-key --org ID --key KEY_ID
 *   provenance member list --org ID | member reset-password|disable|enable|remove --username U
 *   provenance member change-password --username U      (the member's own: its current password, no token)
 *   provenance import harvest|shipment FILE --key API_KEY [--good-only]
 *   provenance harvest record --data JSON|@FILE --key API_KEY [--wait]
 *   provenance event record (--batch ID | --gtin G --lot L) --type TYPE --data JSON|@FILE --key API_KEY [--wait]
 *   provenance batch show (ID | --gtin G --lot L) [--key API_KEY]
 *   provenance batch verify (ID | --gtin G --lot L)
 *   provenance export --out FILE [--no-photos]
 *   provenance import bundle FILE
 *   provenance backup --out FILE            (these two work on the data folder, DATA_DIR, not a gateway's API:
 *   provenance restore FILE                  an operator's commands on the gateway's machine)
 *
 * (`npm run cli -- …` from a checkout; bin/provenance once linked.) Every command takes --url
 * (default GATEWAY_URL, else PORT and HOST as the gateway reads them, else http://127.0.0.1:8080),
 * --json (exactly one JSON document on stdout; errors and progress go to stderr) and --help.
 * The admin token comes from ADMIN_TOKEN or the data folder's first-run file (DATA_DIR/admin-token,
 * DATA_DIR default ./data); an organisation's API key from --key or PROVENANCE_API_KEY; a new
 * member's password from PROVENANCE_PASSWORD or a prompt.
 *
 * Exit codes: 0 done; 1 refused by the gateway (each bad field named), or an import with bad
 * rows and no --good-only, or audit found no such batch or ledger on chain; 2 bad usage; 3 the
 * gateway (audit: the chain node) could not be reached; 4 batch verify found the chain
 * disagreeing, or audit found a detail or a head that does not match the chain; 5 audit is
 * incomplete: some event's detail was in no source, and nothing found contradicts the chain;
 * 130 interrupted (Ctrl-C); 70 a bug in the CLI itself. audit's rule findings are warnings and
 * change no exit code.
 */
import { parseArgs } from "node:util";
import { audit } from "./cli/audit-command";
import { batchShow, batchVerify } from "./cli/batch-commands";
import { type Command, type Outcome } from "./cli/command";
import { CliFailure, EXIT, UsageError } from "./cli/failures";
import { DEFAULT_GATEWAY_URL, gatewayAddress } from "./cli/credentials";
import { eventRecord, harvestRecord } from "./cli/event-commands";
import { GatewayClient } from "./cli/gateway-client";
import { importHarvest, importShipment } from "./cli/import-commands";
import { memberChangePassword, memberCreate, memberDisable, memberEnable, memberList, memberRemove, memberResetPassword, memberUnlock } from "./cli/member-commands";
import { orgCreate, orgKeys, orgList, orgRevokeKey, orgRotateKey } from "./cli/org-commands";
import { ledgerExport } from "./cli/export-command";
import { bundleImport } from "./cli/bundle-import-command";
import { backup, restore } from "./cli/backup-commands";
import { processTerminal, RecordingTerminal, type Terminal } from "./cli/terminal";

const COMMANDS: Command[] = [orgCreate, orgList, orgKeys, orgRotateKey, orgRevokeKey, memberCreate, memberList, memberUnlock, memberResetPassword, memberDisable, memberEnable, memberRemove, memberChangePassword, importHarvest, importShipment, harvestRecord, eventRecord, batchShow, batchVerify, ledgerExport, bundleImport, audit, backup, restore];

const COMMON_OPTIONS = {
  url: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const COMMON_USAGE = `options of every command:
  --url URL            the gateway (default: GATEWAY_URL, else http://HOST:PORT from PORT and HOST
                       as npm start reads them, else ${DEFAULT_GATEWAY_URL}); not audit
  --json               print exactly one JSON document on stdout (errors and progress: stderr)
  --help               a command's own options`;

const EXIT_USAGE = `exit codes:
  0 done · 1 refused by the gateway (each bad field named), or bad rows without --good-only;
    audit: no such batch or ledger on chain
  2 bad usage · 3 the gateway (audit: the chain node) cannot be reached · 130 interrupted
  4 batch verify: the chain disagrees; audit: a detail or a head does not match the chain
  5 audit incomplete: some event's detail is in no source; nothing found contradicts the chain`;

const USAGE = `usage: provenance COMMAND [options]      (from a checkout: npm run cli -- COMMAND [options])

commands:
${COMMANDS.map((c) => `  ${c.words.join(" ").padEnd(22)} ${c.summary}`).join("\n")}

${COMMON_USAGE}

${EXIT_USAGE}`;

const POLL_INTERVAL_MS = 500;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order they were written. */
  output: string;
}

export interface CliOptions {
  /** Where to write as well as recording (the process's terminal when run as a program). */
  terminal?: Terminal;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  pollIntervalMs?: number;
}

/** Runs one command line; answers its exit code and what it wrote. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env, options: CliOptions = {}): Promise<CliResult> {
  const terminal = new RecordingTerminal(options.terminal);
  const json = argv.includes("--json");
  const outcome = await outcomeOf(argv, env, terminal, options);
  if (json && outcome.json !== undefined) terminal.stdout(`${JSON.stringify(outcome.json)}\n`);
  if (!json && outcome.text) terminal.stdout(`${outcome.text}\n`);
  if (outcome.error) terminal.stderr(`${outcome.error}\n`);
  return { exitCode: outcome.exitCode, ...terminal.recorded() };
}

async function outcomeOf(argv: string[], env: Record<string, string | undefined>, terminal: Terminal, options: CliOptions): Promise<Outcome> {
  let command: Command | undefined;
  try {
    const found = findCommand(argv);
    if ("help" in found) return { exitCode: EXIT.done, text: found.help, json: { usage: found.help } };
    command = found.command;
    const { values, positionals } = parseArgs({
      args: argv.slice(command.words.length),
      options: { ...command.options, ...COMMON_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) return { exitCode: EXIT.done, text: commandHelp(command), json: { usage: commandHelp(command) } };
    const { min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(positionals.length > max ? `unexpected argument ${JSON.stringify(positionals[max])}` : "an argument is missing");
    }
    return await command.run({
      values: values as Record<string, string | boolean | undefined>,
      args: positionals,
      env,
      terminal,
      gateway: new GatewayClient(gatewayAddress(values.url as string | undefined, env)),
      signal: options.signal ?? new AbortController().signal,
      pollIntervalMs: options.pollIntervalMs ?? POLL_INTERVAL_MS,
    });
  } catch (error) {
    if (error instanceof CliFailure) {
      const usage = error instanceof UsageError ? `\n\n${command ? commandHelp(command) : USAGE}` : "";
      return { exitCode: error.exitCode, error: `${error.message}${usage}`, json: error.json };
    }
    // parseArgs' own complaints (an unknown option, a missing value) are bad usage too.
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      return { exitCode: EXIT.usage, error: `${(error as Error).message}\n\n${command ? commandHelp(command) : USAGE}`, json: { error: { code: "usage", message: (error as Error).message } } };
    }
    throw error;
  }
}

/** The command the first word (or two) names, or the help that was asked for. */
function findCommand(argv: string[]): { command: Command } | { help: string } {
  const [group, name] = argv;
  const isHelp = (word: string | undefined) => word === "--help" || word === "-h" || word === "help";
  if (isHelp(group)) return { help: USAGE };
  if (group === undefined || group.startsWith("-")) throw new UsageError("which command?");
  const ofGroup = COMMANDS.filter((c) => c.words[0] === group);
  if (ofGroup.length === 0) throw new UsageError(`unknown command ${JSON.stringify(group)}`);
  const single = ofGroup.find((c) => c.words.length === 1);
  if (single) return { command: single };
  if (isHelp(name)) return { help: helpText(ofGroup) };
  const command = ofGroup.find((c) => c.words[1] === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify([group, name].filter(Boolean).join(" "))}; ${group} has: ${ofGroup.map((c) => c.words[1]).join(", ")}`);
  return { command };
}

function commandHelp(command: Command): string {
  return helpText([command]);
}

/** Each command's summary, synopsis lines (each after "provenance") and options; then the common options and exit codes. */
function helpText(commands: Command[]): string {
  const sections = commands.map((command) => {
    let synopses = 0;
    const lines = command.usage.split("\n").map((line) => {
      if (/^\s/.test(line)) return line;
      return `${synopses++ === 0 ? "usage: " : "       "}provenance ${line}`;
    });
    return `${command.summary}\n\n${lines.join("\n")}`;
  });
  return [...sections, COMMON_USAGE, EXIT_USAGE].join("\n\n");
}

/** The CLI as a program (npm run cli, bin/provenance): the process's terminal, Ctrl-C, its exit code. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const interrupt = new AbortController();
  // The first Ctrl-C stops the command cleanly; a second one (default handling again) ends it at once.
  const onInterrupt = () => interrupt.abort();
  process.once("SIGINT", onInterrupt);
  try {
    const { exitCode } = await runCli(argv, process.env, { terminal: processTerminal(), signal: interrupt.signal });
    process.exitCode = exitCode;
  } catch (error) {
    process.stderr.write(`the CLI failed; this is a bug:\n${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

if (require.main === module) void main();
