/** batch show and batch verify: the public reads of one batch. */
import { type Command } from "./command";
import { CliFailure, EXIT } from "./failures";
import { BATCH_TARGET_OPTIONS, batchTarget } from "./batch-target";
import { KEY_OPTION, optionalApiKey } from "./credentials";
import { formatJourney, type BatchView } from "./journey";

const TARGET_USAGE = `  BATCH_ID             the batch (0x…), or:
  --gtin GTIN --lot LOT`;

export const batchShow: Command = {
  words: ["batch", "show"],
  summary: "a batch's journey: its events in order, 圳品 status, recall",
  usage: `batch show (BATCH_ID | --gtin GTIN --lot LOT) [--key API_KEY]
${TARGET_USAGE}
  --key API_KEY        shows your organisation's private fields too (or PROVENANCE_API_KEY)`,
  options: { ...BATCH_TARGET_OPTIONS, ...KEY_OPTION },
  positionals: { min: 0, max: 1 },
  async run(context) {
    const batchId = batchTarget(context);
    const { body } = await context.gateway.call<BatchView>("GET", `/api/v1/batches/${batchId}`, { token: optionalApiKey(context) });
    return { exitCode: EXIT.done, json: body, text: formatJourney(body) };
  },
};

interface Verification {
  ok: boolean;
  chainHead: string;
  events: { position: number; type: string; ok: boolean; problem?: string }[];
  problems: string[];
}

export const batchVerify: Command = {
  words: ["batch", "verify"],
  summary: "check a batch's events against the chain itself (exit 4 when it disagrees)",
  usage: `batch verify (BATCH_ID | --gtin GTIN --lot LOT)
${TARGET_USAGE}
  exit 0: every event's detail hashes to what the chain holds and the heads chain up;
  exit 4: the chain disagrees (each problem is printed); exit 1: no such batch on chain`,
  options: { ...BATCH_TARGET_OPTIONS },
  positionals: { min: 0, max: 1 },
  async run(context) {
    const batchId = batchTarget(context);
    const { body } = await context.gateway.call<Verification>("GET", `/api/v1/batches/${batchId}/verify`);
    // No events at all is no batch, not a disagreement: there is nothing to compare.
    if (body.events.length === 0) {
      throw new CliFailure(EXIT.refused, `the chain holds no batch ${batchId} (yet)`);
    }
    if (body.ok) {
      return { exitCode: EXIT.done, json: body, text: `OK: ${body.events.length} events checked against the chain; head ${body.chainHead}` };
    }
    return {
      exitCode: EXIT.chainDisagrees,
      json: body,
      text: body.problems.map((p) => `  ${p}`).join("\n"),
      error: `the chain disagrees with the gateway on batch ${batchId}: ${body.problems.length} problem(s)`,
    };
  },
};
