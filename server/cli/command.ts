/**
 * What a command is — its words, options, usage and how it runs — and how a command ends:
 * an Outcome, or a CliFailure (failures.ts) carrying the exit code a script reads.
 */
import type { ParseArgsConfig } from "node:util";
import type { GatewayClient } from "./gateway-client";
import type { Terminal } from "./terminal";
import { UsageError } from "./failures";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

export interface Outcome {
  exitCode: number;
  /** The human-readable result, on stdout without --json. */
  text?: string;
  /** The result as one JSON document, on stdout with --json. */
  json?: unknown;
  /** Why the command did not succeed, on stderr. */
  error?: string;
}

export interface CommandContext {
  /** The parsed options (common ones included). */
  values: Record<string, string | boolean | undefined>;
  /** The positional arguments after the command's words. */
  args: string[];
  env: Record<string, string | undefined>;
  terminal: Terminal;
  /** The gateway at --url or GATEWAY_URL. */
  gateway: GatewayClient;
  /** Aborted when the user interrupts (Ctrl-C). */
  signal: AbortSignal;
  /** How often a long-running command asks the gateway how far it got. */
  pollIntervalMs: number;
}

export interface Command {
  /** The words that name it, e.g. ["batch", "show"], or one word alone (["export"]). */
  words: [string] | [string, string];
  summary: string;
  /** The synopsis and the options, as --help shows them. */
  usage: string;
  options: OptionSpecs;
  /** The positional arguments it takes after its words. */
  positionals: { min: number; max: number };
  run(context: CommandContext): Promise<Outcome>;
}

/** The string value of an option, or undefined. */
export function stringOption(values: CommandContext["values"], name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** The string value of an option that must be given. */
export function requiredOption(values: CommandContext["values"], name: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
  return value;
}
