/**
 * Where a certificate stands for the certifier who issued it: valid, not yet valid, expired or
 * revoked. A revocation counts from the moment the gateway accepted it (it can no longer be
 * undone), unless writing it failed; an attestation whose write failed certified nothing.
 */
import type { CertifierCertification } from "../../store/certification-reads";

export type CertificateState = "valid" | "upcoming" | "expired" | "revoked" | "void";

/** Certificates ending within this many days are listed as about to expire. */
export const EXPIRY_WARNING_DAYS = 30;

export function certificateState(c: CertifierCertification, nowSeconds: number): CertificateState {
  if (c.write.status === "failed") return "void";
  if (c.revokedOnChain || (c.revocation && c.revocation.status !== "failed")) return "revoked";
  if (nowSeconds > c.validUntil) return "expired";
  if (nowSeconds < c.validFrom) return "upcoming";
  return "valid";
}

/** Whether the certifier may still revoke it (nothing revoked it, and it was not void). */
export function isRevocable(c: CertifierCertification, nowSeconds: number): boolean {
  const state = certificateState(c, nowSeconds);
  return state !== "revoked" && state !== "void";
}

/** Whether one of its writes (attestation, revocation) is still on its way to the chain. */
export function isInFlight(c: CertifierCertification): boolean {
  return [c.write.status, c.revocation?.status].some((s) => s === "pending" || s === "submitted");
}
