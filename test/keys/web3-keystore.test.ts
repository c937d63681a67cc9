/**
 * Keystores made and opened with Node's scrypt (off the event loop) are the standard Web3
 * Secret Storage form: ethers opens ours, we open ethers', and a wrong secret opens neither.
 */
import { expect } from "chai";
import { encryptKeystoreJson, Wallet } from "ethers";
import { DEFAULT_SCRYPT_N, decryptKeystore, encryptKeystore } from "../../server/keys/web3-keystore";
import { CustodialKeys } from "../../server/keys/custodial-keys";

const SECRET = "keystore-test-master-secret-0123456789";
/** A low work factor for the round trips; one case keeps the default. */
const N = 1024;

describe("keys: Web3 Secret Storage keystores", function () {
  it("makes a v3 keystore that ethers opens to the same key, at ethers' own default work factor", async () => {
    const wallet = Wallet.createRandom();
    const json = await encryptKeystore(wallet.privateKey, SECRET);
    const parsed = JSON.parse(json);
    expect(parsed).to.include({ version: 3, address: wallet.address.slice(2).toLowerCase() });
    expect(parsed.crypto).to.include({ kdf: "scrypt", cipher: "aes-128-ctr" });
    expect(parsed.crypto.kdfparams).to.include({ n: DEFAULT_SCRYPT_N, r: 8, p: 1, dklen: 32 });
    expect((await Wallet.fromEncryptedJson(json, SECRET)).privateKey).to.equal(wallet.privateKey);
  });

  it("opens a keystore ethers made, and its own, to the same key", async () => {
    const wallet = Wallet.createRandom();
    const byEthers = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, SECRET, { scrypt: { N } });
    expect(await decryptKeystore(byEthers, SECRET)).to.equal(wallet.privateKey);
    expect(await decryptKeystore(await encryptKeystore(wallet.privateKey, SECRET, N), SECRET)).to.equal(wallet.privateKey);
  });

  it("refuses a wrong secret, and a keystore whose ciphertext was changed", async () => {
    const wallet = Wallet.createRandom();
    const json = await encryptKeystore(wallet.privateKey, SECRET, N);
    await expectRejected(decryptKeystore(json, `${SECRET}x`), /wrong password/);
    const parsed = JSON.parse(json);
    parsed.crypto.ciphertext = `${parsed.crypto.ciphertext.slice(0, -2)}${parsed.crypto.ciphertext.endsWith("00") ? "01" : "00"}`;
    await expectRejected(decryptKeystore(JSON.stringify(parsed), SECRET), /wrong password/);
  });

  it("gives custodial keys that unlock, from their stored keystore, to the key they were made with", async () => {
    const made = await new CustodialKeys(SECRET, N).create();
    const wallet = await new CustodialKeys(SECRET, N).unlock(made.address, made.keystore); // a fresh process: nothing in memory
    expect(wallet.address).to.equal(made.address);
    await expectRejected(new CustodialKeys("another-master-secret-0123456789", N).unlock(made.address, made.keystore), /wrong password/);
  });
});

async function expectRejected(promise: Promise<unknown>, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, "a refusal").to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
}
