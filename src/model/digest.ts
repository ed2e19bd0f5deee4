import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256: how raw messages, attachments and ciphertexts are named. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
