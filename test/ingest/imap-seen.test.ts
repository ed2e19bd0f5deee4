import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImapSeen } from '../../src/ingest/imap-seen.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { tempDir } from '../helpers/temp-dir.js';

async function store(file?: string) {
  const at = file ?? path.join(await tempDir('intake-seen-', 'file'), 'intake.sqlite');
  return { at, store: await SqlStore.open(await SqliteEngine.open({ file: at }), at) };
}

describe('ImapSeen', () => {
  it('remembers (UIDVALIDITY, UID) pairs durably across a restart', async () => {
    const first = await store();
    const seen = new ImapSeen(first.store.imap, 'account');
    await seen.load();
    expect(await seen.useUidValidity('1700000000')).toBe(false); // first use is no change
    await seen.remember(7);
    await seen.remember(9);
    await first.store.close();

    const reopened = await store(first.at);
    const again = new ImapSeen(reopened.store.imap, 'account');
    await again.load();
    expect(await again.useUidValidity('1700000000')).toBe(false);
    expect([again.has(7), again.has(9), again.has(8)]).toEqual([true, true, false]);
    expect(new ImapSeen(reopened.store.imap, 'another account').has(7)).toBe(false);
    await reopened.store.close();
  });

  it('forgets every UID when UIDVALIDITY changes, and says so', async () => {
    const { store: s } = await store();
    const seen = new ImapSeen(s.imap, 'a');
    await seen.useUidValidity('1');
    await seen.remember(1);
    expect(await seen.useUidValidity('2')).toBe(true);
    expect(seen.has(1)).toBe(false);
    const reloaded = new ImapSeen(s.imap, 'a');
    await reloaded.load();
    expect(reloaded.has(1)).toBe(false);
    expect(await reloaded.useUidValidity('2')).toBe(false);
    await s.close();
  });

  it('keeps only UIDs still present in the mailbox', async () => {
    const { store: s } = await store();
    const seen = new ImapSeen(s.imap, 'a');
    await seen.useUidValidity('5');
    for (const uid of [3, 4, 5]) await seen.remember(uid);
    await seen.retainOnly([4, 6, 7]);
    expect([seen.has(3), seen.has(4), seen.has(5)]).toEqual([false, true, false]);
    expect(seen.size).toBe(1);
    const reloaded = new ImapSeen(s.imap, 'a');
    await reloaded.load();
    expect(reloaded.size).toBe(1);
    await s.close();
  });
});
