import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Durable writes: temp file in the same directory, fsync, rename over the target, fsync
 * the directory so the new name itself survives a power cut. A reader never sees a
 * half-written file under the final name.
 */
export interface AtomicWriteOptions {
  mode?: number;
  /** Skip the directory fsync when the caller syncs the directory once for many files. */
  syncDir?: boolean;
}

export async function writeFileAtomic(
  file: string,
  data: Buffer | string,
  { mode = 0o640, syncDir = true }: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (syncDir) await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then fsync the parent so the new directory entry is durable. */
export async function makeDirDurable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await fsyncDir(path.dirname(dir));
}

/** Writes JSON with a trailing newline, atomically. */
export async function writeJsonAtomic(file: string, value: unknown, options?: AtomicWriteOptions): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Durable "first writer wins": the content is fsync'd under a temp name and then
 * hard-linked to the final name, which fails atomically if the name exists.
 * Returns false when another writer was first.
 */
export async function writeFileExclusive(file: string, data: Buffer | string, mode = 0o640): Promise<boolean> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    await fsyncDir(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
