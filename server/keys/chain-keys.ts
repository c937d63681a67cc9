/**
 * The embedded chain's own accounts: the ledger admin (deploys, grants and revokes roles, relays
 * certifications, signs the programme office's corrections) and the relayer (sends the outbox).
 * Both are random keys made on first run — never anvil's public development keys — and kept as
 * standard Web3 Secret Storage files (the keystore form of the custodial keys: scrypt + AES),
 * encrypted with the master secret, in DATA_DIR/keys/, 0600 in a 0700 folder. An operator can
 * open them with any Ethereum tool and the master secret, e.g. to move the ledger elsewhere.
 */
import { createDecipheriv, scrypt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { encryptKeystoreJson, keccak256, Wallet } from "ethers";
import { writePrivateFile } from "./private-files";

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
    const keystore = await encryptKeystoreJson(
      { address: wallet.address, privateKey: wallet.privateKey },
      masterSecret,
      scryptN ? { scrypt: { N: scryptN } } : {},
    );
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

/**
 * The private key in a Web3 Secret Storage (v3) keystore. Node's own scrypt does the work: it
 * runs off the event loop, both keys at once, in a fraction of the time of ethers' JavaScript
 * scrypt, which would hold up every start by seconds. Other forms go to ethers.
 */
async function decryptKeystore(json: string, password: string): Promise<string> {
  const keystore = JSON.parse(json) as { crypto?: KeystoreCrypto; Crypto?: KeystoreCrypto };
  const crypto = keystore.crypto ?? keystore.Crypto;
  if (crypto?.kdf !== "scrypt" || crypto.cipher !== "aes-128-ctr") return (await Wallet.fromEncryptedJson(json, password)).privateKey;
  const { n, r, p, dklen, salt } = crypto.kdfparams;
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(Buffer.from(password.normalize("NFKC"), "utf8"), Buffer.from(salt, "hex"), dklen, { N: n, r, p, maxmem: 256 * n * r }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  const ciphertext = Buffer.from(crypto.ciphertext, "hex");
  if (keccak256(Buffer.concat([key.subarray(16, 32), ciphertext])).slice(2) !== crypto.mac.toLowerCase()) throw new Error("wrong password");
  const decipher = createDecipheriv("aes-128-ctr", key.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, "hex"));
  return `0x${Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("hex")}`;
}

interface KeystoreCrypto {
  cipher: string;
  cipherparams: { iv: string };
  ciphertext: string;
  kdf: string;
  kdfparams: { n: number; r: number; p: number; dklen: number; salt: string };
  mac: string;
}
