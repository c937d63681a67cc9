/**
 * The indexer's step for roles: a chunk's RoleGranted and RoleRevoked logs into
 * idx_role_changes (store/role-index.ts), replacing what was kept for the chunk's blocks, inside
 * the chunk's transaction. Kept apart from apply-logs.ts: a role change is not a ledger event.
 */
import type { RoleLog } from "../../chain/ledger-events";
import type { Db } from "../../store/database";
import { RoleIndexRepository } from "../../store/role-index";

const repositories = new WeakMap<Db, RoleIndexRepository>();

/** Blocks `fromBlock`..`toBlock` of `ledger` hold exactly `logs` as role changes. */
export function applyRoleLogs(db: Db, ledger: string, fromBlock: number, toBlock: number, logs: readonly RoleLog[]): void {
  let roles = repositories.get(db);
  if (!roles) repositories.set(db, (roles = new RoleIndexRepository(db)));
  roles.replaceRange(
    ledger,
    fromBlock,
    toBlock,
    logs.map((log) => ({
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      txHash: log.txHash,
      role: log.role,
      account: log.account,
      granted: log.type === "RoleGranted",
      sender: log.sender,
    })),
  );
}
