import type * as openpgp from 'openpgp';
import type { Keyring } from '../keys/keyring.js';
import { normalizeAddress } from '../model/strict-mailbox.js';

/**
 * The curated-keyring keys an outgoing message to `address` may be encrypted to: keys
 * with a user ID for that address that is validly self-signed and not revoked at
 * `date`, and an encryption (sub)key valid at `date` (not expired, not revoked). Keys
 * carried in mail never count — only the curated keyring (research/security.md §2.8).
 * Sorted by fingerprint, so the same keyring always gives the same recipients.
 */
export async function validEncryptionKeys(keyring: Keyring, address: string, date: Date): Promise<openpgp.PublicKey[]> {
  const wanted = normalizeAddress(address);
  const valid: openpgp.PublicKey[] = [];
  for (const key of keyring.byAddress(address)) {
    if (await usableFor(key, wanted, date)) valid.push(key);
  }
  return valid.sort((a, b) => a.getFingerprint().localeCompare(b.getFingerprint()));
}

async function usableFor(key: openpgp.PublicKey, wanted: string, date: Date): Promise<boolean> {
  try {
    await key.getEncryptionKey(undefined, date);
  } catch {
    return false;
  }
  for (const user of key.users) {
    const email = user.userID?.email;
    if (!email || normalizeAddress(email) !== wanted) continue;
    try {
      await key.getPrimaryUser(date, { email });
      return true;
    } catch {
      // this user ID is revoked or not validly self-signed at `date`: try the next one
    }
  }
  return false;
}
