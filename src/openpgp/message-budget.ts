/**
 * What one message may cost its OpenPGP layers together (DESIGN §10, `limits.*`): a
 * per-message budget, not a per-ciphertext one, so forty small zlib bombs cannot add up
 * to forty times the cap. Exceeding one is a verdict that names it — an
 * `encryption.error` such as `too-many-session-keys`, or `signature.signersTruncated` —
 * never an exception or a retry.
 */
export interface OpenpgpLimits {
  /** PKESK + SKESK packets in all ciphertexts of the message. */
  sessionKeys: number;
  /** Signatures verified (each one costs a public-key operation). */
  signatures: number;
  /** Ciphertexts opened: the body's, encrypted attachments, wrapped ones. */
  ciphertexts: number;
  /** Plaintext bytes all decryptions and decompressions may produce together. */
  decompressedBytes: number;
  /** New-format partial-length chunks in one OpenPGP block (RFC 9580 §4.2.1.4). */
  partialChunks: number;
  /** User IDs in a key read from mail (Autocrypt, attachments). */
  keyUserIds: number;
}

export interface MessageBudget {
  readonly limits: OpenpgpLimits;
  sessionKeys: number;
  signatures: number;
  ciphertexts: number;
  decompressedBytes: number;
  /** Set when signatures were left unverified because `limits.signatures` was reached. */
  signersTruncated: boolean;
}

export function newMessageBudget(limits: OpenpgpLimits): MessageBudget {
  return { limits, sessionKeys: 0, signatures: 0, ciphertexts: 0, decompressedBytes: 0, signersTruncated: false };
}

/** How many of `wanted` signatures may still be verified; marks the budget when some may not. */
export function takeSignatures(budget: MessageBudget, wanted: number): number {
  const granted = Math.max(0, Math.min(wanted, budget.limits.signatures - budget.signatures));
  budget.signatures += granted;
  if (granted < wanted) budget.signersTruncated = true;
  return granted;
}

/** Plaintext bytes the next decryption may still produce (at least 1, so openpgp.js' check fires). */
export function decompressedLeft(budget: MessageBudget): number {
  return Math.max(1, budget.limits.decompressedBytes - budget.decompressedBytes);
}
