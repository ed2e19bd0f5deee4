import * as openpgp from 'openpgp';
import type { Config } from '../config/schema.js';
import { rsaImplicitRejection } from './rsa-implicit-rejection.js';

/**
 * The openpgp.js configuration every decryption and verification of mail uses
 * (docs/research/security.md §3). Most values restate the library's defaults on purpose:
 * a future default change must not silently weaken an auto-decrypting server.
 */
export function hardenedOpenpgpConfig(config: Config, teamKeyIsRsa: boolean): openpgp.PartialConfig {
  const { hash, publicKey, curve } = openpgp.enums;
  return {
    // Tag 9 (SED, no MDC) and plaintext released before the integrity check: EFAIL.
    allowUnauthenticatedMessages: false,
    allowUnauthenticatedStream: false,
    // RFC 9580 §10.3 message grammar: no literal appended to or prepended before a
    // signed or encrypted message ("encryption spoofing", research §1.5).
    enforceGrammar: true,
    ignoreMalformedPackets: false,
    additionalAllowedPackets: [],
    // A zlib bomb stops at the archive cap instead of filling memory (default Infinity).
    maxDecompressedMessageSize: maxDecompressedBytes(config),
    // We never pass passwords, but never let an Argon2 S2K ask for gigabytes either.
    maxArgon2MemoryExponent: 20,
    minRSABits: 2047,
    rejectHashAlgorithms: new Set([hash.md5, hash.ripemd]),
    // SHA-1 data signatures are forgeable (SHAttered; Sequoia suite "hashes/shattered").
    rejectMessageHashAlgorithms: new Set([hash.md5, hash.ripemd, hash.sha1]),
    rejectPublicKeyAlgorithms: new Set([publicKey.elgamal, publicKey.dsa]),
    rejectCurves: new Set([curve.secp256k1]),
    allowInsecureDecryptionWithSigningKeys: false,
    allowInsecureVerificationWithReformattedKeys: false,
    allowMissingKeyFlags: false,
    // An auto-decrypting daemon is the Bleichenbacher oracle the option exists for —
    // unless the runtime rejects bad PKCS#1 padding implicitly (OpenSSL >= 3.2, Node >= 24):
    // then openpgp.js's native RSA path is constant-time and error-free on bad padding,
    // and ~20x faster than the option's pure-JS RSA (docs/research/rsa-decryption.md).
    constantTimePKCS1Decryption: teamKeyIsRsa && !rsaImplicitRejection(),
    // Unknown critical notations make a signature invalid (RFC 9580 §5.2.3.24).
    knownNotations: [],
    showVersion: false,
    showComment: false,
  };
}

export function maxDecompressedBytes(config: Config): number {
  return config.pgp.maxDecompressedMessageBytes ?? config.smtp.maxMessageBytes;
}
