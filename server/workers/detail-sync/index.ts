/**
 * A read gateway's detail sync: every interval it fills in, from its peers, the details of what
 * its indexer found on chain, checking each against the chain's hash (services/open-ledger).
 * What it keeps is in SQLite at once, so a kill loses at most the page in flight, which the next
 * start asks for again.
 */
import { createTicker } from "../ticker";
import type { PeerDetails } from "../../services/open-ledger/peer-details";

/** Feed pages (of up to 1,000 details) a pass takes before it reports and goes on. */
const PAGES_PER_PASS = 10;

export interface DetailSyncStatus {
  /** Details kept from peers since start. */
  kept: number;
  /** Details and photos refused since start (tampered or corrupt). */
  refused: number;
  /** Hashes the chain holds that this gateway has no detail of, after the last pass. */
  missing: number | null;
}

export function createDetailSync(options: { peers: PeerDetails; log: (message: string) => void }) {
  const status: DetailSyncStatus = { kept: 0, refused: 0, missing: null };
  const ticker = createTicker({
    run: async () => {
      // Short passes, so that what the status says follows a long catch-up as it goes.
      const report = await options.peers.fill(PAGES_PER_PASS);
      status.kept += report.kept;
      status.refused += report.refused.length;
      status.missing = report.stillMissing;
      for (const refusal of report.refused) {
        options.log(`refused ${refusal.hash} from ${refusal.source}: ${refusal.reason}`);
      }
      if (report.kept > 0) options.log(`kept ${report.kept} detail(s) and photo(s) from peers; ${report.stillMissing} still missing`);
      return report;
    },
    onError: (error) => options.log(`detail sync failed: ${error instanceof Error ? error.message : String(error)}`),
    first: "next-turn",
    pause: (report, intervalMs) => (report.more ? 0 : intervalMs),
  });
  return {
    start: (intervalMs: number) => ticker.start(intervalMs),
    stop: () => ticker.stop(),
    tick: () => ticker.tick(),
    wake: () => ticker.wake(),
    status: (): DetailSyncStatus => ({ ...status }),
  };
}

export type DetailSync = ReturnType<typeof createDetailSync>;
