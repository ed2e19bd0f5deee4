import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';

/**
 * Whether this runtime's RSA PKCS#1 v1.5 decryption rejects implicitly (OpenSSL ≥ 3.2,
 * on by default): a ciphertext whose padding is wrong decrypts, in constant time, to a
 * synthetic message derived from the key and the ciphertext instead of an error, so
 * nothing — error, length, timing — tells a wrong padding from a right one. Node ≥ 24
 * ships OpenSSL 3.5 and lets `crypto.privateDecrypt` use `RSA_PKCS1_PADDING` only then;
 * Node 20 (OpenSSL 3.0) refuses it, and `--security-revert=CVE-2023-46809` brings back
 * the explicit "pkcs decoding error". docs/research/rsa-decryption.md explains why
 * openpgp.js's native RSA path is then safe for an auto-decrypting daemon.
 *
 * Probed, not inferred from version numbers (Node may be built against the system's
 * OpenSSL): a throwaway 512-bit key (used for nothing else) decrypts the ciphertext 1,
 * whose plaintext 00…01 can never be a valid PKCS#1 v1.5 block; only implicit rejection
 * answers, and answers the same twice. Once per process (a few milliseconds).
 */
let probed: boolean | undefined;

export function rsaImplicitRejection(): boolean {
  if (probed !== undefined) return probed;
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
    const one = Buffer.alloc(64);
    one[63] = 1;
    const decrypt = () => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, one);
    probed = decrypt().equals(decrypt());
  } catch {
    probed = false;
  }
  return probed;
}
