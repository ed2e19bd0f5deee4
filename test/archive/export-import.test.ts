import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportArchive, ExportError } from '../../src/archive/export-archive.js';
import { importArchive } from '../../src/archive/import-archive.js';
import { sha256Hex } from '../../src/model/digest.js';
import { fileTransport } from '../../src/model/transport.js';
import { checkStore } from '../../src/store/check-store.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { fixturePgp, recentClock } from '../helpers/ack-checks.js';
import { createTestApp, FIXTURES, runPipelineOn, type TestApp } from '../helpers/pipeline.js';
import * as openpgp from 'openpgp';
import { tempDir } from '../helpers/temp-dir.js';
import { composeReply } from '../../src/compose/compose-reply.js';
import { queueReply } from '../../src/store/replies.js';

/**
 * The file layout of DESIGN §4 as `intake export` writes it and `intake import` reads it
 * (the tests that once looked at the archive on disk): what is in each file and with
 * which mode, a manifest naming every file's digest, export → import → export giving the
 * same bytes, an older release's archive (spool, unsent outbox) upgraded, and `check`
 * finding evidence that no longer matches its digest.
 */
const reporter = { transport: fileTransport('reporter@example.org', ['cert@xyz.example']) };

async function filledApp(): Promise<TestApp> {
  const t = await createTestApp({ pgp: fixturePgp() }, { clock: recentClock() });
  await runPipelineOn(t, 'mail/plain/01-plain-report.eml', reporter);
  await runPipelineOn(t, 'mail/plain/02-attachments-hostile-names.eml', reporter);
  await runPipelineOn(t, 'mail/openpgp/encrypted-mime-attachment-cv25519-gpg.eml', reporter);
  await runPipelineOn(t, 'mail/plain/05-followup-by-tag.eml', reporter);
  // outbound.mode outbox: the acks go to the pickup directory, and count as sent.
  await t.app.outboxSender.runOnce();
  // An operator's reply that was sent, and one still queued.
  await operatorReply(t, 'XYZ-2026-00001', 'We are looking into it.');
  await t.app.outboxSender.runOnce();
  await operatorReply(t, 'XYZ-2026-00001', 'Which host was it?');
  return t;
}

/** What `intake reply` does: composed by the team key, queued in the ticket. */
async function operatorReply(t: TestApp, ticket: string, text: string): Promise<void> {
  const store = t.app.store;
  if (!(store instanceof SqlStore)) throw new Error('the test app has a SqlStore');
  const parent = (await store.tickets.messages(ticket))[0]!;
  const messageId = `reply.${ticket}.${sha256Hex(text).slice(0, 16)}@xyz.example`;
  const composed = await composeReply({
    ticket,
    text,
    to: 'reporter@example.org',
    subject: null,
    ticketSubject: (await store.tickets.get(ticket))!.subject,
    parentHeaders: [],
    messageId,
    teamName: 'XYZ-CERT',
    fromAddress: 'cert@xyz.example',
    team: t.app.keys!.team,
    encryptTo: null,
    requireEncryption: false,
    date: t.app.context.now(),
  });
  if (composed.kind === 'refused') throw new Error('refused');
  const { raw, subject, encrypted, inReplyTo } = composed;
  await queueReply(store.sql, { ticket, recipient: 'reporter@example.org', subject, messageId, encrypted, body: text, inReplyTo, raw, parent: { sha256: parent.sha256, seq: parent.seq }, at: t.app.context.now() });
}

async function tree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.set(path.relative(root, full), await readFile(full));
    }
  };
  await walk(root);
  return files;
}

async function freshStore(): Promise<SqlStore> {
  const file = path.join(await tempDir('intake-fresh-'), 'intake.sqlite');
  return SqlStore.open(await SqliteEngine.open({ file }), file);
}

describe('intake export', () => {
  it('writes the tickets, messages, decrypted payloads, attachments and sent acks, with a manifest of digests', async () => {
    const t = await filledApp();
    const dir = path.join(await tempDir(), 'export');
    const manifest = await exportArchive(t.app.store, dir);
    const files = await tree(dir);
    expect(manifest).toMatchObject({ format: 'csirt-intake-export/1', tickets: 3, messages: 4 });
    for (const [name, { sha256, size }] of Object.entries(manifest.files)) {
      expect(sha256Hex(files.get(name)!)).toBe(sha256);
      expect(files.get(name)!.length).toBe(size);
    }
    expect([...files.keys()].filter((f) => f !== 'manifest.json').sort()).toEqual(Object.keys(manifest.files).sort());
    // Raw bytes are the bytes received; the follow-up joined its ticket as message 002.
    const raw = await readFile(path.resolve(import.meta.dirname, '../../fixtures/mail/plain/01-plain-report.eml'));
    expect(files.get('tickets/XYZ-2026-00001/messages/001/raw.eml')!.equals(raw)).toBe(true);
    expect(files.has('tickets/XYZ-2026-00001/messages/002/message.json')).toBe(true);
    expect(files.has('tickets/XYZ-2026-00001/acks/001.eml')).toBe(true);
    // Names are ours only: hostile attachment names stay inside message.json.
    for (const name of files.keys()) for (const part of name.split(path.sep)) expect(part).toMatch(/^[A-Za-z0-9._-]+$/);
    // A decrypted report's files are owner-only.
    const decrypted = path.join(dir, 'tickets/XYZ-2026-00003/messages/001');
    expect((await stat(path.join(decrypted, 'decrypted.eml'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(decrypted, 'message.json'))).mode & 0o777).toBe(0o600);
    const record = JSON.parse(files.get('tickets/XYZ-2026-00003/messages/001/message.json')!.toString());
    for (const a of record.attachments) expect(files.has(`tickets/XYZ-2026-00003/messages/001/attachments/${a.sha256}`)).toBe(true);
    // One ticket, or those since a date; never over existing files.
    const one = path.join(await tempDir(), 'one');
    expect((await exportArchive(t.app.store, one, { tickets: ['XYZ-2026-00002'] })).tickets).toBe(1);
    expect((await exportArchive(t.app.store, path.join(await tempDir(), 'later'), { since: new Date(Date.now() + 86_400_000) })).tickets).toBe(0);
    await expect(exportArchive(t.app.store, one)).rejects.toThrow(ExportError);
  });

  it('export → import into a fresh store → export gives byte-identical files; a second import changes nothing', async () => {
    const t = await filledApp();
    const first = path.join(await tempDir(), 'first');
    await exportArchive(t.app.store, first);
    const fresh = await freshStore();
    try {
      expect(await importArchive(fresh, first)).toEqual({ tickets: 3, messages: 4, duplicates: 0, received: 0, pendingKeys: 0, refused: [] });
      expect(await importArchive(fresh, first)).toEqual({ tickets: 3, messages: 0, duplicates: 4, received: 0, pendingKeys: 0, refused: [] });
      const second = path.join(await tempDir(), 'second');
      await exportArchive(fresh, second);
      const [a, b] = [await tree(first), await tree(second)];
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
      // The imported store threads and numbers on: the next ticket is 4, lookups answer.
      expect(await fresh.lookups.ticketExists('XYZ-2026-00003')).toBe(true);
      const ack = JSON.parse(a.get('tickets/XYZ-2026-00001/messages/001/message.json')!.toString()).ack.messageId;
      expect(await fresh.lookups.ticketByMessageId(ack)).toBe('XYZ-2026-00001');
      const r = await fresh.receive(Buffer.from('From: x@example.org\r\n\r\nnew\r\n'), fileTransport('x@example.org', []), new Date(), { owner: 't', now: new Date(), ms: 1 });
      const placed = await fresh.place({ sha256: r.sha256, receiptId: r.receiptId, receivedAt: new Date('2026-11-23T10:00:00Z'), ticket: null, prefix: 'XYZ', year: 2026, threading: { kind: 'new', senderKnown: true }, quota: null });
      expect(placed).toMatchObject({ placement: { ticket: 'XYZ-2026-00004' } });
      expect((await checkStore(fresh.sql)).problems).toEqual([]);
      // The operator's replies came along: text, thread, delivery state; the queued one is still to be sent.
      const replies = await t.app.store.tickets.replies('XYZ-2026-00001');
      expect(replies.map((r) => [r.n, r.body, r.delivery.status])).toEqual([
        [1, 'We are looking into it.', 'sent'],
        [2, 'Which host was it?', 'queued'],
      ]);
      expect(await fresh.tickets.replies('XYZ-2026-00001')).toEqual(replies);
      expect(await fresh.lookups.ticketByMessageId(replies[1]!.messageId)).toBe('XYZ-2026-00001');
      expect((await fresh.outbox.list({ failed: false })).map((e) => e.key)).toContain('XYZ-2026-00001.002.reply');
      expect((await stat(path.join(first, 'tickets/XYZ-2026-00001/replies/001.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await fresh.close();
    }
  });

  it("upgrades an older release's file archive: tickets, the spool's unprocessed mail, the outbox's unsent ack", async () => {
    const t = await filledApp();
    const old = path.join(await tempDir(), 'data');
    await exportArchive(t.app.store, old);
    // What a file archive also held: a spooled message, an unsent ack, index and state files.
    const spooled = Buffer.from('From: late@example.org\r\nTo: cert@xyz.example\r\nSubject: late\r\n\r\nlate report\r\n');
    await mkdir(path.join(old, 'spool'));
    const meta = JSON.stringify({ receivedAt: '2026-11-23T09:00:00.000Z', transport: fileTransport('late@example.org', ['cert@xyz.example']) });
    await writeFile(path.join(old, 'spool', '0000000001-0123456789abcdef.msg'), Buffer.concat([Buffer.from(`csirt-intake-spool/1 ${meta}\n`), spooled]));
    const sentAck = path.join(old, 'tickets/XYZ-2026-00002/acks/001.eml');
    const ackBytes = await readFile(sentAck);
    await (await import('node:fs/promises')).rm(sentAck);
    await (await import('node:fs/promises')).rm(path.join(old, 'manifest.json'));
    await mkdir(path.join(old, 'outbox'));
    await writeFile(path.join(old, 'outbox', 'XYZ-2026-00002.001.ack.eml'), ackBytes);
    await writeFile(path.join(old, 'outbox', 'XYZ-2026-00002.001.ack.json'), JSON.stringify({ key: 'XYZ-2026-00002.001.ack', kind: 'ack', recipient: 'reporter@example.org', messageId: 'ack.x@xyz.example', encrypted: false, queuedAt: '2026-11-23T09:00:00.000Z', attempts: 2, nextAttemptAt: '2026-11-23T09:10:00.000Z', deliveredAt: null }));
    await mkdir(path.join(old, 'index', 'sha256', 'ab'), { recursive: true });
    // Its pgp.pendingDir: a key seen in mail (.asc + .json sightings), and a file whose name lies.
    const pendingDir = path.join(await tempDir(), 'pending');
    await mkdir(pendingDir);
    const eve = await readFile(path.join(FIXTURES, 'keys', 'constituents', 'eve.asc'), 'utf8');
    const eveFpr = (await openpgp.readKey({ armoredKey: eve })).getFingerprint().toUpperCase();
    await writeFile(path.join(pendingDir, `${eveFpr}.asc`), eve);
    const sighting = { source: 'attachment', ticket: 'XYZ-2026-00002', seq: 1, from: 'eve@example.org', seenAt: '2026-11-23T09:00:00.000Z' };
    await writeFile(path.join(pendingDir, `${eveFpr}.json`), JSON.stringify({ fingerprint: eveFpr, firstSeen: sighting.seenAt, sightings: [sighting] }));
    await writeFile(path.join(pendingDir, `${'A'.repeat(40)}.asc`), eve);

    const fresh = await freshStore();
    try {
      expect(await importArchive(fresh, old, new Date(), pendingDir)).toMatchObject({
        tickets: 3,
        messages: 4,
        received: 1,
        pendingKeys: 1,
        refused: [`pending key ${'A'.repeat(16)}…: not the public key its name says`],
      });
      const [pending] = await fresh.pendingKeys.list();
      expect(pending).toMatchObject({ fingerprint: eveFpr, sightings: [{ source: 'attachment', ticket: 'XYZ-2026-00002', seq: 1, from: 'eve@example.org' }] });
      expect(await fresh.pendingReceipts()).toBe(1);
      const waiting = (await fresh.outbox.list({ failed: false })).filter((e) => e.kind === 'ack');
      expect(waiting.map((e) => [e.key, e.attempts, e.raw!.equals(ackBytes)])).toEqual([['XYZ-2026-00002.001.ack', 2, true]]);
      expect((await importArchive(fresh, old)).received).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a changed file (manifest digest) and a raw message that does not match its sha256', async () => {
    const t = await filledApp();
    const dir = path.join(await tempDir(), 'export');
    await exportArchive(t.app.store, dir);
    const raw = path.join(dir, 'tickets/XYZ-2026-00002/messages/001/raw.eml');
    await writeFile(raw, Buffer.concat([await readFile(raw), Buffer.from('tampered')]));
    const fresh = await freshStore();
    try {
      await expect(importArchive(fresh, dir)).rejects.toThrow(/raw\.eml: missing or changed since the export/);
      await (await import('node:fs/promises')).rm(path.join(dir, 'manifest.json'));
      const result = await importArchive(fresh, dir);
      expect(result.refused).toEqual(['XYZ-2026-00002/1: raw.eml does not match its sha256']);
      expect(result.messages).toBe(3);
    } finally {
      await fresh.close();
    }
  });
});

describe('intake check', () => {
  it('re-hashes every raw message and names one whose bytes changed under the store', async () => {
    const t = await filledApp();
    const report = await checkStore((t.app.store as SqlStore).sql);
    expect(report).toMatchObject({ rawMessages: 4, messages: 4, tickets: 3, unfinished: 0, problems: [] });
    // Damage below the store's own rules (as a disk fault would): the triggers are bypassed.
    const sha = (await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record.sha256;
    await (t.app.store as SqlStore).sql.write(async (tx) => {
      await tx.run('DROP TRIGGER raw_message_immutable');
      await tx.run('UPDATE raw_message SET bytes = ? WHERE sha256 = ?', [Buffer.from('bit rot'), sha]);
    });
    expect((await checkStore((t.app.store as SqlStore).sql)).problems).toEqual([`raw_message ${sha}: content does not hash to its sha256`]);
  });
});
