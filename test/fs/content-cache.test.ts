import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isExactJson, readCached, writeCached } from '../../src/fs/content-cache.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('content cache', () => {
  it('gives back what was stored for exactly the same kind and text, nothing for any other', async () => {
    const dir = path.join(await tempDir(), 'cache');
    expect(await readCached(dir, 'k', 'text')).toBeUndefined();
    await writeCached(dir, 'k', 'text', { a: [1, 'two', null, true] });
    expect(await readCached(dir, 'k', 'text')).toEqual({ a: [1, 'two', null, true] });
    expect(await readCached(dir, 'k', 'text ')).toBeUndefined();
    expect(await readCached(dir, 'other', 'text')).toBeUndefined();
    expect(await readCached(null, 'k', 'text')).toBeUndefined();
  });

  it('an entry under the same name for another text (a hash collision, a tampered file) is a miss', async () => {
    const dir = await tempDir();
    await writeCached(dir, 'k', 'one', 1);
    const [name] = await readdir(dir);
    const file = path.join(dir, name!);
    const entry = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...entry, text: 'two' }));
    expect(await readCached(dir, 'k', 'one')).toBeUndefined();
    await writeFile(file, 'not json');
    expect(await readCached(dir, 'k', 'one')).toBeUndefined();
  });

  it('stores only values that JSON carries exactly', async () => {
    for (const value of [Number.NaN, Infinity, -0, undefined, new Date(0), { a: undefined }, [1, , 3], { nested: { n: Infinity } }, new Map()]) {
      expect(isExactJson(value), String(value)).toBe(false);
    }
    for (const value of [0, -1.5, '', 'x', null, false, [], {}, { a: [{ b: 'c' }] }]) expect(isExactJson(value)).toBe(true);
    const dir = await tempDir();
    await writeCached(dir, 'k', 'nan', { n: Number.NaN });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a directory that cannot be written costs nothing but the miss', async () => {
    const file = path.join(await tempDir(), 'a-file');
    await writeFile(file, '');
    await expect(writeCached(path.join(file, 'below'), 'k', 't', 1)).resolves.toBeUndefined();
    expect(await readCached(path.join(file, 'below'), 'k', 't')).toBeUndefined();
  });
});
