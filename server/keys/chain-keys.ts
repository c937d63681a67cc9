/**
 * The embedded chain's own accounts: the ledger admin (deploys, grants and revokes roles, relays
 * certifications, signs the programme office's corrections) and the relayer (sends the outbox).
 * Both are random keys made on first run — never anvil's public development keys — and kept as
 * standard Web3 Secret Storage files (the keystore form of the custodial keys: scrypt + AES),
 * encrypted with the master secret, in DATA_DIR/keys/, 0600 in a 0700 folder. An operator can
 * open them with any Ethereum tool and the master secret, e.g. to move the ledger elsewhere.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { writePrivateFile } from "./private-files";
import { decryptKeystore, encryptKeystore } from "./web3-keystore";

export type ChainKeyName = "admin" | "relayer";

export interface ChainKeys {
  admin: Wallet;
  relayer: Wallet;
  /** The keys this call made (first run). */
  created: ChainKeyName[];
}

export const chainKeyFile = (dir: string, name: ChainKeyName): string => path.join(dir, `${name}.json`);

/** The keys in `dir`, each made and stored first if missing. */
export async function loadOrCreateChainKeys(
  dir: string,
  masterSecret: string,
  /** scrypt work factor of new keystores; tests lower it, production keeps ethers' default. */
  scryptN?: number,
): Promise<ChainKeys> {
  const created: ChainKeyName[] = [];
  const one = async (name: ChainKeyName): Promise<Wallet> => {
    const file = chainKeyFile(dir, name);
    if (existsSync(file)) return openKeystore(file, masterSecret);
    const wallet = Wallet.createRandom();
    const keystore = await encryptKeystore(wallet.privateKey, masterSecret, scryptN);
    writePrivateFile(file, `${keystore}\n`, { exclusive: true });
    created.push(name);
    return new Wallet(wallet.privateKey);
  };
  const [admin, relayer] = await Promise.all([one("admin"), one("relayer")]);
  return { admin, relayer, created };
}

async function openKeystore(file: string, masterSecret: string): Promise<Wallet> {
  try {
    return new Wallet(await decryptKeystore(readFileSync(file, "utf8"), masterSecret));
  } catch (error) {
    throw new Error(
      `the chain key ${file} does not open with this master secret (${(error as Error).message}): ` +
        "the master secret (MASTER_SECRET, or DATA_DIR/master-secret) must be the one it was made with",
    );
  }
}
