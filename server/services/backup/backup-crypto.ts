/**
 * A backup is encrypted whole with a key derived from the gateway's master secret (scrypt, then
 * AES-256-GCM). The master secret itself is never in a backup: the operator keeps it apart, and
 * without it neither the backup nor the keys inside it open. Whole, not only the secrets,
 * because gateway.db holds what must stay private in a copy too: private values and their
 * salts, the login forms' key, password hashes.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual, type CipherGCM, type DecipherGCM } from "node:crypto";
import type { BackupEncryption } from "./archive-format";

/** scrypt's cost: about 0.1 s and 32 MB, once per backup or restore. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

export interface BackupKey {
  key: Buffer;
  encryption: BackupEncryption;
}

/** A new key for one backup: fresh salt and IV, so no two backups share a key. */
export async function newBackupKey(masterSecret: string): Promise<BackupKey> {
  const salt = randomBytes(16);
  const key = await derive(masterSecret, salt, SCRYPT);
  return {
    key,
    encryption: { cipher: "aes-256-gcm", kdf: "scrypt", ...SCRYPT, salt: salt.toString("hex"), iv: randomBytes(12).toString("hex"), keyCheck: keyCheck(key) },
  };
}

/** The key a backup was made with, or undefined when `masterSecret` is not the one. */
export async function openBackupKey(masterSecret: string, encryption: BackupEncryption): Promise<Buffer | undefined> {
  if (encryption.cipher !== "aes-256-gcm" || encryption.kdf !== "scrypt") return undefined;
  const { N, r, p } = encryption;
  if (![N, r, p].every(Number.isSafeInteger) || N > 2 ** 20 || r > 32 || p > 16) return undefined; // a header asking for absurd work
  const key = await derive(masterSecret, Buffer.from(encryption.salt, "hex"), { N, r, p });
  const expected = Buffer.from(encryption.keyCheck, "hex");
  const actual = Buffer.from(keyCheck(key), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? key : undefined;
}

export function backupCipher(key: Buffer, encryption: BackupEncryption, header: Buffer): CipherGCM {
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.from(encryption.iv, "hex"));
  cipher.setAAD(header);
  return cipher;
}

export function backupDecipher(key: Buffer, encryption: BackupEncryption, header: Buffer, tag: Buffer): DecipherGCM {
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(encryption.iv, "hex"));
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  return decipher;
}

/** Says whether a key is the right one without saying anything of the key. */
function keyCheck(key: Buffer): string {
  return createHmac("sha256", key).update("provenance-backup key check").digest("hex");
}

function derive(secret: string, salt: Buffer, { N, r, p }: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(Buffer.from(secret, "utf8"), salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
