import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

/** `test`: removed after the current test; `file`: kept for the whole test file. */
export type TempScope = 'test' | 'file';

const made: Record<TempScope, string[]> = { test: [], file: [] };

export async function tempDir(prefix = 'intake-test-', scope: TempScope = 'test'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made[scope].push(dir);
  return dir;
}

async function removeAll(scope: TempScope): Promise<void> {
  for (const dir of made[scope].splice(0)) await rm(dir, { recursive: true, force: true });
}

afterEach(() => removeAll('test'));
afterAll(() => removeAll('file'));
