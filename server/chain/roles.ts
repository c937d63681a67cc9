import { id, ZeroHash } from "ethers";
import type { RoleName } from "../domain/event-kinds";

/** The contract's role identifiers: keccak256 of e.g. "PRODUCER_ROLE"; admin is AccessControl's zero role. */
export function roleId(role: RoleName | "admin"): string {
  return role === "admin" ? ZeroHash : id(`${role.toUpperCase()}_ROLE`);
}
