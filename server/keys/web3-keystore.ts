/**
 * Web3 Secret Storage (v3) keystores — scrypt, then AES-128-CTR, with a keccak256 MAC — made and
 * opened with Node's own scrypt. It runs on libuv's thread pool, off the event loop, and several
 * times faster than ethers' JavaScript scrypt, which held the gateway's event loop for seconds
 * for each organisation created or first unlocked (pages and writes waited behind it). The files
 * are the standard form any Ethereum tool opens; other forms are opened by ethers.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scrypt } from "node:crypto";
import { keccak256, Wallet } from "ethers";

/** ethers' and geth's default work factor (2^17); tests lower it. */
export const DEFAULT_SCRYPT_N = 131_072;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LENGTH = 32;

interface KeystoreCrypto {
  cipher: string;
  cipherparams: { iv: string };
  ciphertext: string;
  kdf: string;
  kdfparams: { n: number; r: number; p: number; dklen: number; salt: string };
  mac: string;
}

/** scrypt off the event loop; maxmem covers the work factor asked (Node's default is 32 MB). */
function deriveKey(password: string, salt: Buffer, n: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(Buffer.from(password.normalize("NFKC"), "utf8"), salt, length, { N: n, r, p, maxmem: 256 * n * r }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}

/** The keystore JSON of `privateKey` under `password`. */
export async function encryptKeystore(privateKey: string, password: string, scryptN = DEFAULT_SCRYPT_N): Promise<string> {
  const address = new Wallet(privateKey).address;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = await deriveKey(password, salt, scryptN, SCRYPT_R, SCRYPT_P, KEY_LENGTH);
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), "hex")), cipher.final()]);
  const crypto: KeystoreCrypto = {
    cipher: "aes-128-ctr",
    cipherparams: { iv: iv.toString("hex") },
    ciphertext: ciphertext.toString("hex"),
    kdf: "scrypt",
    kdfparams: { n: scryptN, r: SCRYPT_R, p: SCRYPT_P, dklen: KEY_LENGTH, salt: salt.toString("hex") },
    mac: keccak256(Buffer.concat([key.subarray(16, 32), ciphertext])).slice(2),
  };
  return JSON.stringify({ address: address.slice(2).toLowerCase(), id: randomUUID(), version: 3, crypto });
}

/** The private key in a keystore; throws "wrong password" when the MAC does not match. */
export async function decryptKeystore(json: string, password: string): Promise<string> {
  const keystore = JSON.parse(json) as { crypto?: KeystoreCrypto; Crypto?: KeystoreCrypto };
  const crypto = keystore.crypto ?? keystore.Crypto;
  if (crypto?.kdf !== "scrypt" || crypto.cipher !== "aes-128-ctr") return (await Wallet.fromEncryptedJson(json, password)).privateKey;
  const { n, r, p, dklen, salt } = crypto.kdfparams;
  const key = await deriveKey(password, Buffer.from(salt, "hex"), n, r, p, dklen);
  const ciphertext = Buffer.from(crypto.ciphertext, "hex");
  if (keccak256(Buffer.concat([key.subarray(16, 32), ciphertext])).slice(2) !== crypto.mac.toLowerCase()) throw new Error("wrong password");
  const decipher = createDecipheriv("aes-128-ctr", key.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, "hex"));
  return `0x${Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("hex")}`;
}
