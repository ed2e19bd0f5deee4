import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { imapMailboxKey } from '../../src/ingest/imap-seen.js';
import { scanArchive, waitFor } from '../helpers/archive-scan.js';
import { Dovecot } from '../helpers/dovecot.js';
import { imapTestApp, mailboxClient, messageCount, report, type ImapTestApp } from '../helpers/imap-app.js';
import { expectNoReportTextIn } from '../helpers/pipeline.js';

const clients: ImapFlow[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.logout().catch(() => client.close());
});

async function setup(options: { extra?: string } = {}) {
  const dovecot = await Dovecot.create(options);
  const client = await mailboxClient(dovecot);
  clients.push(client);
  return { dovecot, client };
}

/** Waits until the watcher has emptied `mailbox` and the pipeline has archived `count` messages. */
async function settled(t: ImapTestApp, client: ImapFlow, count: number, mailbox = 'INBOX') {
  await waitFor(async () => (await messageCount(client, mailbox)) === 0, `${mailbox} to be emptied`);
  await waitFor(async () => (await scanArchive(t.config.archive.dir)).length === count, `${count} archived messages`);
  await t.app.queue.drain();
  return scanArchive(t.config.archive.dir);
}

const ids = (archived: Awaited<ReturnType<typeof scanArchive>>) => archived.map((m) => m.record.headers.messageId).sort();
const errors = (t: ImapTestApp) => t.logs.lines.filter((l) => Number(l.level) >= 50);
const linesWith = (t: ImapTestApp, msg: string) => t.logs.lines.filter((l) => l.msg === msg);

describe('IMAP watcher against a real Dovecot', () => {
  it('takes the messages already waiting, moves them to Processed and records UID and UIDVALIDITY', async () => {
    const { dovecot, client } = await setup();
    for (const token of ['waiting-1', 'waiting-2', 'waiting-3']) await client.append('INBOX', report(token));
    const t = await imapTestApp(dovecot);
    const archived = await settled(t, client, 3);

    expect(ids(archived)).toEqual(['<waiting-1@example.org>', '<waiting-2@example.org>', '<waiting-3@example.org>']);
    expect(await messageCount(client, 'Processed')).toBe(3);
    const box = await client.status('INBOX', { uidValidity: true });
    for (const message of archived) {
      expect(message.record.transport).toMatchObject({
        kind: 'imap',
        mailFrom: 'reporter@example.org',
        imapMailbox: 'INBOX',
        imapUidValidity: String(box && box.uidValidity),
      });
      expect(message.record.transport.imapUid).toBeGreaterThan(0);
    }
    expect(new Set(archived.map((m) => m.record.transport.imapUid)).size).toBe(3);
    expect(errors(t)).toEqual([]);
    for (const message of archived) await expectNoReportTextIn(t.logs.text(), message.raw);
  });

  it('takes new messages announced while idling (IDLE, with polling set far away)', async () => {
    const { dovecot, client } = await setup();
    const t = await imapTestApp(dovecot, { pollSeconds: 3000 });
    await waitFor(() => linesWith(t, 'imap connected').length === 1, 'the watcher to connect');
    await client.append('INBOX', report('idle-1'));
    await waitFor(async () => (await scanArchive(t.config.archive.dir)).length === 1, 'the first new message');
    await client.append('INBOX', report('idle-2'));
    const archived = await settled(t, client, 2);
    expect(ids(archived)).toEqual(['<idle-1@example.org>', '<idle-2@example.org>']);
  });

  it('polls with NOOP when the server does not offer IDLE', async () => {
    const { dovecot, client } = await setup({
      extra: 'protocol imap {\n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS MOVE NAMESPACE\n}',
    });
    const t = await imapTestApp(dovecot, { pollSeconds: 0.5 });
    await waitFor(() => linesWith(t, 'imap connected').length === 1, 'the watcher to connect');
    await client.append('INBOX', report('polled'));
    const archived = await settled(t, client, 1);
    expect(ids(archived)).toEqual(['<polled@example.org>']);
  });

  it('moves a message that can never be processed (over maxMessageBytes) to Failed with a log line', async () => {
    const { dovecot, client } = await setup();
    await client.append('INBOX', report('too-big', 'x'.repeat(4000)));
    await client.append('INBOX', report('fine'));
    const t = await imapTestApp(dovecot, { maxMessageBytes: 2048 });
    const archived = await settled(t, client, 1);
    expect(ids(archived)).toEqual(['<fine@example.org>']);
    expect(await messageCount(client, 'Failed')).toBe(1);
    expect(await messageCount(client, 'Processed')).toBe(1);
    const failed = linesWith(t, 'imap message cannot be processed; moved to the failed mailbox');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: 'too-large', limit: 2048, level: 40 });
  });

  it('survives Dovecot being killed and restarted mid-run: nothing lost, nothing twice', async () => {
    const { dovecot, client } = await setup();
    const tokens = Array.from({ length: 60 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    for (const token of tokens) await client.append('INBOX', report(token));
    await client.logout();
    clients.pop();

    const t = await imapTestApp(dovecot);
    await waitFor(() => t.app.counters.get('imap.accepted') >= 5, 'a few messages to be taken');
    await dovecot.kill();
    await waitFor(() => linesWith(t, 'imap connection lost; reconnecting with backoff').length === 1, 'the loss to be noticed');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several failed reconnects
    await dovecot.start();

    const after = await mailboxClient(dovecot);
    clients.push(after);
    const archived = await settled(t, after, tokens.length);
    expect(ids(archived)).toEqual(tokens.map((token) => `<${token}@example.org>`));
    expect(new Set(archived.map((m) => m.ticket)).size).toBe(tokens.length);
    // Dovecot's MOVE is copy-then-expunge: killed between the two, the server keeps both
    // copies, and the one left in INBOX is moved again (archived once, all the same).
    const processed = await messageCount(after, 'Processed');
    expect(processed).toBeGreaterThanOrEqual(tokens.length);
    expect(processed).toBeLessThanOrEqual(tokens.length + 1);
    // Logged once per change of state, however many attempts failed in between.
    expect(linesWith(t, 'imap connection lost; reconnecting with backoff')).toHaveLength(1);
    expect(linesWith(t, 'imap connected').map((l) => l.reconnected)).toEqual([false, true]);
    expect(t.logs.lines.filter((l) => l.msg === 'imap reconnect failed').length).toBeGreaterThanOrEqual(1);
  });

  it('on a new UIDVALIDITY reads the mailbox afresh; bytes already archived count as duplicates', async () => {
    const { dovecot, client } = await setup();
    await client.mailboxCreate('Reports');
    await client.append('Reports', report('first'));
    await client.append('Reports', report('second'));
    const before = await imapTestApp(dovecot, { mailbox: 'Reports' });
    await settled(before, client, 2, 'Reports');
    await before.app.stop();

    // Recreating the mailbox gives it a new UIDVALIDITY; UIDs start at 1 again.
    await client.mailboxDelete('Reports');
    await client.mailboxCreate('Reports');
    await client.append('Reports', report('third'));
    await client.append('Reports', report('first'));

    const after = await imapTestApp(dovecot, { mailbox: 'Reports' }, { dir: before.dir });
    await waitFor(async () => (await messageCount(client, 'Reports')) === 0, 'Reports to be emptied');
    await after.app.queue.drain();
    const archived = await scanArchive(after.config.archive.dir);
    expect(ids(archived)).toEqual(['<first@example.org>', '<second@example.org>', '<third@example.org>']);
    expect(linesWith(after, 'duplicate message')).toHaveLength(1);
    expect(after.logs.lines.some((l) => String(l.msg).startsWith('imap UIDVALIDITY changed'))).toBe(true);
    expect(await messageCount(client, 'Processed')).toBe(4);
  });

  it('never fetches again a message remembered as received; it only finishes the move', async () => {
    const { dovecot, client } = await setup();
    await client.append('INBOX', report('spooled-before-crash'));
    await client.append('INBOX', report('new-one'));
    const box = await client.mailboxOpen('INBOX');
    const uids = (await client.search({ all: true }, { uid: true })) as number[];
    await client.mailboxClose();

    // As if an earlier run spooled the first message and crashed before its MOVE.
    const t = await imapTestApp(dovecot, {}, { start: false });
    const mailbox = imapMailboxKey(t.config.imap);
    await t.app.store.imap.setUidValidity(mailbox, box.uidValidity.toString());
    await t.app.store.imap.remember(mailbox, uids[0]!);
    await t.app.start();
    try {
      await waitFor(async () => (await messageCount(client, 'INBOX')) === 0, 'INBOX to be emptied');
      await t.app.queue.drain();
      expect(ids(await scanArchive(t.config.archive.dir))).toEqual(['<new-one@example.org>']);
      expect(await messageCount(client, 'Processed')).toBe(2);
      expect(t.app.counters.get('imap.moved-after-reconnect')).toBe(1);
    } finally {
      await t.app.stop();
    }
  });

  it('takes the password from INTAKE_IMAP_PASSWORD', async () => {
    const { dovecot, client } = await setup();
    await client.append('INBOX', report('env-password'));
    const t = await imapTestApp(dovecot, {}, { env: { INTAKE_IMAP_PASSWORD: 'secret' } });
    expect(ids(await settled(t, client, 1))).toEqual(['<env-password@example.org>']);
  });

  it('refuses to start without a password; a refused login is an error with the server\'s answer, once, not once per attempt', async () => {
    const { dovecot } = await setup();
    const none = await imapTestApp(dovecot, {}, { env: {}, start: false });
    await expect(none.app.start()).rejects.toThrow(/INTAKE_IMAP_PASSWORD/);

    // Dovecot slows repeated failed logins down (auth penalty), so two attempts it is.
    const wrong = await imapTestApp(dovecot, { reconnectMinSeconds: 0.05, reconnectMaxSeconds: 0.1 }, { env: { INTAKE_IMAP_PASSWORD: 'wrong-pass-7Qx' } });
    await waitFor(() => linesWith(wrong, 'imap reconnect failed').length >= 1, 'a second failed attempt');
    const refused = wrong.logs.lines.filter((l) => String(l.msg).startsWith('imap login refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 50,
      msg: `imap login refused for cert@127.0.0.1:${dovecot.port} (check imap.user and imap.passwordFile or env INTAKE_IMAP_PASSWORD); retrying with backoff`,
      authenticationFailed: true,
      serverResponseCode: 'AUTHENTICATIONFAILED',
      user: 'cert',
    });
    // Dovecot's own words (its tagged NO), not imapflow's "Command failed".
    expect(String(refused[0]!.serverResponse)).toMatch(/Authentication failed/);
    expect(linesWith(wrong, 'imap cannot connect; retrying with backoff')).toEqual([]);
    expect(JSON.stringify(wrong.logs.lines)).not.toContain('wrong-pass-7Qx');
  });

  it('keeps trying while the server is down, says so once, and connects when it is back', async () => {
    const { dovecot, client } = await setup();
    await client.append('INBOX', report('after-outage'));
    await client.logout();
    clients.pop();
    await dovecot.stop();
    const t = await imapTestApp(dovecot, { reconnectMinSeconds: 0.05, reconnectMaxSeconds: 0.1 });
    await waitFor(() => linesWith(t, 'imap reconnect failed').length >= 5, 'several failed attempts');
    expect(linesWith(t, 'imap cannot connect; retrying with backoff')).toHaveLength(1);

    await dovecot.start();
    const after = await mailboxClient(dovecot);
    clients.push(after);
    expect(ids(await settled(t, after, 1))).toEqual(['<after-outage@example.org>']);
    expect(linesWith(t, 'imap connected').map((l) => l.reconnected)).toEqual([true]);
    expect(linesWith(t, 'imap cannot connect; retrying with backoff')).toHaveLength(1);
  });
});
