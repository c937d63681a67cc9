/** Which batch a command is about: its id, or the GTIN and lot it is made from. */
import { batchIdFor, Gs1Error } from "../domain/gs1";
import { stringOption, type CommandContext } from "./command";
import { UsageError } from "./failures";

export const BATCH_TARGET_OPTIONS = { batch: { type: "string" }, gtin: { type: "string" }, lot: { type: "string" } } as const;

/** The batch id from BATCH_ID (a positional or --batch), or from --gtin and --lot. */
export function batchTarget({ values, args }: Pick<CommandContext, "values" | "args">): string {
  const id = args[0] ?? stringOption(values, "batch");
  const gtin = stringOption(values, "gtin");
  const lot = stringOption(values, "lot");
  if (id !== undefined) {
    if (gtin !== undefined || lot !== undefined) throw new UsageError("name the batch by its id or by --gtin and --lot, not both");
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) throw new UsageError(`batch id: must be 0x and 64 hex digits, not ${JSON.stringify(id)}`);
    return id.toLowerCase();
  }
  if (gtin === undefined || lot === undefined) throw new UsageError("name the batch: its id, or --gtin and --lot");
  try {
    return batchIdFor(gtin, lot);
  } catch (error) {
    if (error instanceof Gs1Error) throw new UsageError(`--${error.field}: ${error.message}`);
    throw error;
  }
}
