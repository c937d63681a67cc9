/**
 * harvest record and event record: one write through the API, its body given as JSON (or
 * @file). The gateway validates it with the same schemas as every other write; the CLI only
 * checks that it is a JSON object and sets its type.
 */
import { readFileSync } from "node:fs";
import { requiredOption, type Command, type CommandContext, type Outcome } from "./command";
import { EXIT, UsageError } from "./failures";
import { BATCH_TARGET_OPTIONS, batchTarget } from "./batch-target";
import { apiKey, KEY_OPTION, KEY_USAGE } from "./credentials";

const EVENT_TYPES = ["processing", "shipment", "receipt", "sale", "recall", "correction"] as const;

const DATA_USAGE = `  --data JSON|@FILE    the body: JSON, or @ and a file holding it (@- reads stdin)
${KEY_USAGE}
  --wait               answer once the chain has confirmed (or refused) it, at most 60 s`;

export const harvestRecord: Command = {
  words: ["harvest", "record"],
  summary: "record a harvest: creates its batch (producer)",
  usage: `harvest record --data JSON|@FILE --key API_KEY [--wait]
${DATA_USAGE}
  e.g. --data '{"product":{"name":"田阳香芒","gtin":"06901234567892"},"lot":"TY2026-001",
    "origin":{"countyCode":"451003"},"quantity":{"amount":1200,"unit":"kg"},
    "conversion":{"unit":"box","kg":5},"harvestedAt":"2026-06-01"}'
  origin.countyCode is a current GB/T 2260 county-level code; the county's name comes from it
  (a name given in origin.county must agree). conversion (optional): what one counted unit weighs.
  The harvest may not be in the future.`,
  options: { data: { type: "string" }, wait: { type: "boolean" }, ...KEY_OPTION },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const body = readData(requiredOption(context.values, "data"));
    return write(context, "/api/v1/batches", body);
  },
};

export const eventRecord: Command = {
  words: ["event", "record"],
  summary: "record processing, shipment, receipt, sale, recall or a correction on a batch",
  usage: `event record (--batch BATCH_ID | --gtin GTIN --lot LOT) --type TYPE --data JSON|@FILE --key API_KEY [--wait]
  --batch BATCH_ID     the batch (0x…), or:
  --gtin GTIN --lot LOT
  --type TYPE          ${EVENT_TYPES.join(", ")}
${DATA_USAGE}
  shipment: "consignee" (required) is the organisation the batch goes to, by its id or address;
    it alone records the receipt. By a holder of the batch: a carrier takes a batch over by
    receiving it (the holder ships to the carrier), then ships it on. "quantity"
    ({"amount":300,"unit":"kg"}) is optional: all the holder (the key's organisation) holds when left out.
    e.g. --type shipment --data '{"consignee":"<organisation id>","from":"百色市田阳区","to":"深圳市福田区",
      "shippedAt":"2026-06-02T06:00:00+08:00"}'
  receipt: by the consignee; takes in all that was shipped to it.
    e.g. --type receipt --data '{"location":"福田区消费扶贫专柜","receivedAt":"2026-06-03"}'
  sale: by the holder, in the batch's unit (or one it states a weight for); a price far from the
    batch's usual one, or ¥0, is refused until confirmed with "priceConfirmed":true.
    e.g. --type sale --data '{"quantity":{"amount":20,"unit":"box"},"amountCny":1580.5,"channel":"counter","soldAt":"2026-06-03"}'
  correction: declares an earlier event of the batch void, or superseded by the event as it
    should have been ("replacement", of the same type); the original stays on the ledger.
    "corrects" is the event id the gateway gave it (or its data hash); by the organisation
    that recorded it.
    e.g. --type correction --data '{"corrects":"<event id>","declaration":"void","reason":"录错了 (entered by mistake)"}'
    e.g. --type correction --data '{"corrects":"<event id>","declaration":"supersede","reason":"数量录错",
      "replacement":{"type":"sale","quantity":{"amount":2,"unit":"box"},"amountCny":158,"channel":"counter","soldAt":"2026-06-03"}}'
  dates: a plain date (2026-07-15, a day in China) or a date-time with offset (2026-07-15T08:00:00+08:00).
  A refusal prints each field the rules name and why (exit 1); nothing is recorded.`,
  options: { ...BATCH_TARGET_OPTIONS, type: { type: "string" }, data: { type: "string" }, wait: { type: "boolean" }, ...KEY_OPTION },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const batchId = batchTarget(context);
    const type = requiredOption(context.values, "type");
    if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${EVENT_TYPES.join(", ")}`);
    const data = readData(requiredOption(context.values, "data"));
    if (data.type !== undefined && data.type !== type) throw new UsageError(`--data says type ${JSON.stringify(data.type)}, --type says ${type}`);
    return write(context, `/api/v1/batches/${batchId}/events`, { ...data, type });
  },
};

/** The JSON object of --data: inline, or from @file (@- for stdin). */
function readData(value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith("@")) {
    const file = value.slice(1);
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (error) {
      throw new UsageError(`--data: cannot read ${file}: ${(error as Error).message}`);
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--data: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UsageError("--data: must be a JSON object");
  return data as Record<string, unknown>;
}

interface WriteAnswer {
  eventId: string;
  batchId: string;
  status: string;
  events: { eventId: string; batchId: string; status?: string; type?: string; blockNumber?: number; transactionHash?: string; error?: string }[];
}

async function write(context: CommandContext, path: string, body: Record<string, unknown>): Promise<Outcome> {
  const key = apiKey(context);
  const wait = context.values.wait === true;
  const { body: answer } = await context.gateway.call<WriteAnswer>("POST", `${path}${wait ? "?wait=confirmed" : ""}`, { token: key, json: body });
  const lines = answer.events.map((e) => `  ${e.eventId}  batch ${e.batchId}  ${e.status ?? answer.status}${statusDetail(e)}`);
  const failed = answer.events.filter((e) => e.status === "failed");
  const waiting = wait && answer.events.some((e) => e.status === "pending" || e.status === "submitted");
  const text = [
    `accepted ${answer.events.length === 1 ? "1 event" : `${answer.events.length} events`}${wait ? "" : "; stored, on its way to the chain"}`,
    ...lines,
    ...(waiting ? ["  not confirmed within the wait; GET /api/v1/events/{eventId} tells how it went"] : []),
  ].join("\n");
  if (failed.length) {
    return {
      exitCode: EXIT.refused,
      json: answer,
      text,
      error: `the chain refused ${failed.map((e) => `${e.eventId}: ${e.error ?? "no reason given"}`).join("; ")}`,
    };
  }
  return { exitCode: EXIT.done, json: answer, text };
}

function statusDetail(event: WriteAnswer["events"][number]): string {
  if (event.status === "confirmed") return ` in block ${event.blockNumber}, transaction ${event.transactionHash}`;
  if (event.status === "failed") return `: ${event.error ?? "no reason given"}`;
  return "";
}
