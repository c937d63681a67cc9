/** The compiled ledger (ABI and bytecode), as `npm run compile` leaves it under artifacts/. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { InterfaceAbi } from "ethers";

const ARTIFACT = path.resolve(__dirname, "../../artifacts/contracts/ProvenanceLedger.sol/ProvenanceLedger.json");

export interface LedgerArtifact {
  abi: InterfaceAbi;
  bytecode: string;
}

let cached: LedgerArtifact | undefined;

export function loadLedgerArtifact(): LedgerArtifact {
  if (cached) return cached;
  if (!existsSync(ARTIFACT)) throw new Error(`the compiled ledger is missing (${ARTIFACT}): run npm run compile`);
  const { abi, bytecode } = JSON.parse(readFileSync(ARTIFACT, "utf8")) as LedgerArtifact;
  cached = { abi, bytecode };
  return cached;
}
