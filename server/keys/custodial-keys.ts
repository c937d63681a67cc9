/**
 * Custodial signing keys for organisations that do not manage their own: each is a Web3 Secret
 * Storage keystore (scrypt + AES, web3-keystore.ts: off the event loop) encrypted with the
 * gateway's master secret, stored in SQLite, and decrypted once per process into memory when
 * the organisation first signs.
 */
import { Wallet, type HDNodeWallet } from "ethers";
import { decryptKeystore, encryptKeystore } from "./web3-keystore";

export class CustodialKeys {
  private readonly unlocked = new Map<string, Wallet | HDNodeWallet>();

  constructor(
    private readonly masterSecret: string,
    /** scrypt work factor; tests lower it, production keeps ethers' default. */
    private readonly scryptN?: number,
  ) {}

  /** A new key, as its address and the keystore JSON to store. */
  async create(): Promise<{ address: string; keystore: string }> {
    const wallet = Wallet.createRandom();
    const keystore = await encryptKeystore(wallet.privateKey, this.masterSecret, this.scryptN);
    this.unlocked.set(wallet.address, wallet);
    return { address: wallet.address, keystore };
  }

  /** The wallet of a stored keystore; decrypted once, then kept in memory. */
  async unlock(address: string, keystore: string): Promise<Wallet | HDNodeWallet> {
    const cached = this.unlocked.get(address);
    if (cached) return cached;
    const wallet = new Wallet(await decryptKeystore(keystore, this.masterSecret));
    if (wallet.address !== address) throw new Error(`keystore of ${address} holds the key of ${wallet.address}`);
    this.unlocked.set(address, wallet);
    return wallet;
  }
}
