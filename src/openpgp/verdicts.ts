import type { CiphertextRecord, EncryptionVerdict, FromCheck, SignatureStatus, SignatureVerdict, SignerVerdict } from '../model/message-record.js';
import { normalizeAddress } from '../model/strict-mailbox.js';

/**
 * The message-level `encryption` and `signature` verdicts (DESIGN §4) from what each
 * ciphertext and each signature gave on its own.
 */
export function encryptionVerdict(parts: CiphertextRecord[]): EncryptionVerdict {
  if (parts.length === 0) return { status: 'none', format: null, wrapped: false, error: null, parts: [], replayOf: null };
  const decrypted = parts.filter((p) => p.status === 'decrypted');
  const lead = decrypted.find((p) => !p.wrapped) ?? decrypted[0] ?? parts[0]!;
  return {
    status: decrypted.length > 0 ? 'decrypted' : 'failed',
    format: lead.format,
    // Any plaintext from outside the sound context makes the whole message `wrapped`.
    wrapped: (decrypted.length > 0 ? decrypted : parts).some((p) => p.wrapped),
    error: parts.find((p) => p.error)?.error ?? null,
    parts,
    replayOf: null,
  };
}

/** Worst first: one bad signature spoils the verdict however many good ones there are. */
const SEVERITY: Array<SignerVerdict['status']> = ['invalid', 'revoked-key', 'expired-key', 'unknown-key', 'valid'];

export function signatureVerdict(signers: SignerVerdict[], coverage: 'whole' | 'partial' | 'none', from: FromCheck): SignatureVerdict {
  if (signers.length === 0) return { status: 'none', coverage: 'none', signers: [], fromMatchesSigner: false };
  const worst = SEVERITY.find((status) => signers.some((s) => s.status === status)) ?? 'invalid';
  const status: SignatureStatus = coverage === 'whole' ? worst : 'partial';
  // "From X, signed by X" only for a whole, valid message and the curated key's own,
  // validly self-certified user IDs (never the UIDs a message carries).
  const fromAddress = from.valid && from.address ? normalizeAddress(from.address) : null;
  const fromMatchesSigner =
    status === 'valid' && fromAddress !== null && signers.some((s) => s.userIds.some((uid) => addressOf(uid) === fromAddress));
  return { status, coverage: coverage === 'none' ? 'partial' : coverage, signers, fromMatchesSigner };
}

/** `Name <addr>` (the address in the last `<>`, at the end) or a bare `addr`. */
function addressOf(userId: string): string | null {
  const trimmed = userId.trim();
  const bracketed = trimmed.endsWith('>') ? trimmed.slice(trimmed.lastIndexOf('<') + 1, -1) : null;
  const candidate = bracketed ?? trimmed;
  if (bracketed !== null && trimmed.lastIndexOf('<') === -1) return null;
  return isPlainAddress(candidate) ? normalizeAddress(candidate) : null;
}

/** `local@domain` with no blank or angle bracket, `@` neither first nor last. */
function isPlainAddress(text: string): boolean {
  const at = text.indexOf('@');
  return at > 0 && at < text.length - 1 && !/[\s<>]/.test(text);
}
