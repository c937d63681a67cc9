/**
 * Reads a ledger bundle file into this gateway through the intake: only a bundle of this chain
 * and ledger, and of its lines only the details and photos whose hashes the chain vouches for.
 */
import type { Deployment } from "../../chain/deploy-ledger";
import { readBundleFile } from "./bundle-file";
import type { DetailIntake, IntakeReport } from "./detail-intake";
import { emptyReport } from "./detail-intake";

const CHUNK = 1_000;

export async function takeBundle(
  file: string,
  deployment: Pick<Deployment, "chainId" | "address">,
  intake: DetailIntake,
  transaction: (work: () => void) => void,
): Promise<IntakeReport> {
  const report = emptyReport();
  const source = `bundle ${file}`;
  let pending: Array<{ dataHash: string; detail: string }> = [];
  const flush = () => {
    const chunk = pending;
    pending = [];
    transaction(() => {
      for (const { dataHash, detail } of chunk) intake.takeDetail(dataHash, detail, source, report);
    });
  };
  let photoOwners: Map<string, string> | undefined;
  for await (const line of readBundleFile(file)) {
    if (line.type === "ledger-bundle") {
      if (line.chainId !== deployment.chainId || line.ledger.toLowerCase() !== deployment.address.toLowerCase()) {
        throw new Error(`${file} is a bundle of ledger ${line.ledger} on chain ${line.chainId}, not of ${deployment.address} on chain ${deployment.chainId}`);
      }
    } else if (line.type === "detail") {
      pending.push(line);
      if (pending.length >= CHUNK) flush();
    } else {
      flush();
      // Photos follow the details in a bundle: who recorded each is known once those are in.
      photoOwners ??= intake.photosWanted(1_000_000);
      intake.takePhoto(line.hash, line.contentType, Buffer.from(line.base64, "base64"), photoOwners.get(line.hash.toLowerCase()), source, report);
    }
  }
  flush();
  return report;
}
