import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { SpooledMessage } from '../model/draft.js';
import type { TransportInfo } from '../model/transport.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * The spool holds each accepted message until it is committed to the archive. A message
 * is accepted (SMTP 250, IMAP move, exit 0) only after `put` returned: from then on a
 * crash, a bug or an outage can delay it but never lose it.
 *
 * One file per message, `<id>.msg`: a first line of JSON (how it arrived), then the raw
 * bytes exactly as received. One file means one fsync'd rename per message.
 */
const MAGIC = 'csirt-intake-spool/1 ';

export class Spool {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async put(raw: Buffer, transport: TransportInfo, receivedAt: Date): Promise<SpooledMessage> {
    await mkdir(this.dir, { recursive: true });
    const id = `${receivedAt.getTime().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}`;
    const meta = JSON.stringify({ receivedAt: receivedAt.toISOString(), transport });
    await writeFileAtomic(this.fileOf(id), Buffer.concat([Buffer.from(`${MAGIC}${meta}\n`), raw]), { mode: 0o600 });
    return { spoolId: id, raw, sha256: sha256Hex(raw), receivedAt, transport };
  }

  /** Committed-to-spool ids, oldest first. Temp files of interrupted writes are skipped. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((n) => n.endsWith('.msg') && !n.startsWith('.')).map((n) => n.slice(0, -4)).sort();
  }

  async read(id: string): Promise<SpooledMessage> {
    const bytes = await readFile(this.fileOf(id));
    const newline = bytes.indexOf(0x0a);
    const header = bytes.subarray(0, newline).toString('utf8');
    if (newline === -1 || !header.startsWith(MAGIC)) throw new Error(`spool entry ${id} is not a spool file`);
    const meta = JSON.parse(header.slice(MAGIC.length)) as { receivedAt: string; transport: TransportInfo };
    const raw = bytes.subarray(newline + 1);
    return { spoolId: id, raw, sha256: sha256Hex(raw), receivedAt: new Date(meta.receivedAt), transport: meta.transport };
  }

  async remove(id: string): Promise<void> {
    await unlink(this.fileOf(id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Leftover temp files of writes that never completed (their message was never accepted). */
  async removeStaleTemps(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > olderThanMs) {
        await unlink(file).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  private fileOf(id: string): string {
    if (!/^[0-9a-z]{9,}-[0-9a-f]{16}$/.test(id)) throw new Error('invalid spool id');
    return path.join(this.dir, `${id}.msg`);
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
