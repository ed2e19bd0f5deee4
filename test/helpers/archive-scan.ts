import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageRecord } from '../../src/model/message-record.js';

export interface ArchivedMessage {
  ticket: string;
  seq: number;
  record: MessageRecord;
  raw: Buffer;
}

/**
 * Every committed message of an archive, read straight from disk (DESIGN §4 layout), for
 * tests that check "archived exactly once" after crashes and restarts. A message counts
 * only with its message.json — the commit point.
 */
export async function scanArchive(archiveDir: string): Promise<ArchivedMessage[]> {
  const ticketsDir = path.join(archiveDir, 'tickets');
  const found: ArchivedMessage[] = [];
  for (const ticket of await listDir(ticketsDir)) {
    const messagesDir = path.join(ticketsDir, ticket, 'messages');
    for (const seqDir of await listDir(messagesDir)) {
      const dir = path.join(messagesDir, seqDir);
      const json = await readFile(path.join(dir, 'message.json'), 'utf8').catch(() => null);
      if (json === null) continue;
      found.push({ ticket, seq: Number(seqDir), record: JSON.parse(json) as MessageRecord, raw: await readFile(path.join(dir, 'raw.eml')) });
    }
  }
  return found;
}

export async function spoolEntries(archiveDir: string): Promise<string[]> {
  return (await listDir(path.join(archiveDir, 'spool'))).filter((n) => n.endsWith('.msg') && !n.startsWith('.'));
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Polls `check` until it returns true (real processes on shared cores: no fixed sleeps). */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
