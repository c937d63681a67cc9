/**
 * anvil's own dump of its state when it exits (`--dump-state DATA_DIR/chain.json.exit`). The
 * embedded anvil gets SIGTERM from the kernel when the gateway dies, however it dies (setpriv
 * --pdeathsig, anvil.ts), and on SIGTERM anvil writes its whole state: so a gateway killed with
 * SIGKILL loses none of the blocks after the last snapshot. At the next start that dump replaces
 * the last snapshot when it passes the snapshots' own check (anvil writes it in place, and a kill
 * during the write leaves it cut short) and holds more blocks; otherwise it is set aside or
 * dropped, and the last snapshot is used, as before.
 */
import { existsSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { syncPath } from "../keys/private-files";
import path from "node:path";
import { previousSnapshotPath, snapshotProblem } from "./anvil-snapshots";

export const exitDumpPath = (stateFile: string): string => `${stateFile}.exit`;

/** The dump's last block, or undefined when it is not a usable snapshot. */
function bestBlock(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const json = readFileSync(file, "utf8");
  if (snapshotProblem(json)) return undefined;
  const best = (JSON.parse(json) as { best_block_number: number | string }).best_block_number;
  return typeof best === "number" ? best : Number(BigInt(best));
}

/**
 * Makes anvil's dump on exit the snapshot to load when it is usable and newer than the last
 * snapshot (which becomes the one before); returns what it did, for the log, or undefined when
 * there was no dump.
 */
export function adoptExitDump(stateFile: string): string | undefined {
  const dump = exitDumpPath(stateFile);
  if (!existsSync(dump)) return undefined;
  const problem = snapshotProblem(readFileSync(dump, "utf8"));
  if (problem) {
    const aside = `${dump}.unusable-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dump, aside);
    return `anvil's dump on exit cannot be used (${problem}); it was moved to ${aside}, and the last snapshot is used`;
  }
  const dumped = bestBlock(dump)!;
  const saved = bestBlock(stateFile);
  if (saved !== undefined && dumped <= saved) {
    unlinkSync(dump);
    return undefined; // the last snapshot holds as much
  }
  syncPath(dump); // anvil does not flush it
  if (saved !== undefined) renameSync(stateFile, previousSnapshotPath(stateFile));
  else if (existsSync(stateFile)) renameSync(stateFile, `${stateFile}.unusable-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  renameSync(dump, stateFile);
  syncPath(path.dirname(stateFile));
  return `took anvil's dump on exit (block ${dumped}) as the chain's state: it is newer than the last snapshot (${saved === undefined ? "none" : `block ${saved}`})`;
}

