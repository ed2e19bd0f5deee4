import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImapSeen } from '../../src/ingest/imap-seen.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('ImapSeen', () => {
  it('remembers (UIDVALIDITY, UID) pairs durably across a restart', async () => {
    const file = path.join(await tempDir(), 'state', 'imap', 'account.json');
    const seen = new ImapSeen(file);
    await seen.load();
    expect(await seen.useUidValidity('1700000000')).toBe(false); // first use is no change
    await seen.remember(7);
    await seen.remember(9);

    const again = new ImapSeen(file);
    await again.load();
    expect(await again.useUidValidity('1700000000')).toBe(false);
    expect([again.has(7), again.has(9), again.has(8)]).toEqual([true, true, false]);
  });

  it('forgets every UID when UIDVALIDITY changes, and says so', async () => {
    const file = path.join(await tempDir(), 'seen.json');
    const seen = new ImapSeen(file);
    await seen.useUidValidity('1');
    await seen.remember(1);
    expect(await seen.useUidValidity('2')).toBe(true);
    expect(seen.has(1)).toBe(false);
    const reloaded = new ImapSeen(file);
    await reloaded.load();
    expect(reloaded.has(1)).toBe(false);
    expect(await reloaded.useUidValidity('2')).toBe(false);
  });

  it('keeps only UIDs still present in the mailbox', async () => {
    const seen = new ImapSeen(path.join(await tempDir(), 'seen.json'));
    await seen.useUidValidity('5');
    for (const uid of [3, 4, 5]) await seen.remember(uid);
    await seen.retainOnly([4, 6, 7]);
    expect([seen.has(3), seen.has(4), seen.has(5)]).toEqual([false, true, false]);
    expect(seen.size).toBe(1);
  });
});
