/**
 * Signs a 32-byte digest with secp256k1 through the `secp256k1` package (a native binding where
 * it was built, else its elliptic fallback): several times faster than ethers' pure-JS signer,
 * which matters because the gateway signs every custodial event on the request path. The
 * signature is low-s, as the contract requires.
 */
import { ecdsaSign } from "secp256k1";
import { getBytes, hexlify } from "ethers";

export interface RawSignature {
  r: string;
  s: string;
  v: number;
  /** The 65-byte r ‖ s ‖ v form. */
  serialized: string;
}

export function signDigest(privateKey: string, digest: string): RawSignature {
  const { signature, recid } = ecdsaSign(getBytes(digest), getBytes(privateKey));
  const r = hexlify(signature.subarray(0, 32));
  const s = hexlify(signature.subarray(32, 64));
  const v = 27 + recid;
  return { r, s, v, serialized: `${hexlify(signature)}${v.toString(16)}` };
}
