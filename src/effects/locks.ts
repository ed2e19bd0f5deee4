import { mkdir } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { temporary } from '../model/errors.js';

/**
 * Cross-process locks (several `intake ingest` processes from the MTA may run beside
 * `intake serve`). proper-lockfile uses an atomic mkdir and refreshes the lock's mtime
 * while held, so a lock left by a killed process is taken over once it is `STALE_MS` old.
 */
const STALE_MS = 10_000;

export async function withLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const dir = file.slice(0, file.lastIndexOf('/'));
  await mkdir(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries: 40, factor: 1.3, minTimeout: 20, maxTimeout: 1_000 },
      // A compromised lock (mtime refresh failed) must not crash the process; the work
      // it guarded is idempotent and the message stays in the spool until committed.
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw temporary('lock-busy', 'another process holds the lock; retry later', error);
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
