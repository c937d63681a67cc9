/**
 * A batch's certification status at a time, by the contract's rules (certificationStatus in
 * contracts/CertificationRegistry.sol), computed from indexed certifications: valid if any
 * covering certification is unrevoked and valid at that time; otherwise revoked if any covering
 * one was revoked; otherwise expired if one has ended; otherwise none. A product-line
 * certification covers only batches its producer harvested while it was valid.
 */
import { EventKind, SubjectKind } from "./event-kinds";

export type CertificationStatusName = "none" | "valid" | "expired" | "revoked";

export interface CertifiedBatch {
  creator: string;
  createdBy: number;
  createdAt: number; // unix seconds (block time)
  gtin: string;
}

export interface CertificationFacts {
  subjectKind: number;
  producer: string | null;
  gtin: string | null;
  validFrom: number;
  validUntil: number;
  revoked: boolean;
}

export function covers(batch: CertifiedBatch, certification: CertificationFacts): boolean {
  if (certification.subjectKind === SubjectKind.Batch) return true;
  return (
    batch.createdBy === EventKind.Harvest &&
    certification.producer === batch.creator &&
    certification.gtin === batch.gtin &&
    batch.createdAt >= certification.validFrom &&
    batch.createdAt <= certification.validUntil
  );
}

/** The status and the certification that decides it (undefined for none). */
export function certificationStatusAt<C extends CertificationFacts>(
  batch: CertifiedBatch,
  certifications: readonly C[],
  at: number,
): { status: CertificationStatusName; certification?: C } {
  let revoked: C | undefined;
  let expired: C | undefined;
  for (const certification of certifications) {
    if (!covers(batch, certification)) continue;
    if (certification.revoked) revoked = certification;
    else if (at > certification.validUntil) expired = certification;
    else if (at >= certification.validFrom) return { status: "valid", certification };
  }
  if (revoked) return { status: "revoked", certification: revoked };
  if (expired) return { status: "expired", certification: expired };
  return { status: "none" };
}
