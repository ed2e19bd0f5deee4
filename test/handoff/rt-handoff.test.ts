import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HandoffSender } from '../../src/handoff/handoff-sender.js';
import { handoffTargets } from '../../src/handoff/handoff-targets.js';
import { RtClient } from '../../src/handoff/rt-client.js';
import { rtTicketOf } from '../../src/store/handoff-queue.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { fixedClock } from '../helpers/clock.js';
import { logSink } from '../helpers/log-sink.js';
import { RT_CUSTOM_FIELDS, RT_QUEUE, RT_SKIP_MESSAGE, requestTrackerMissing, startRequestTracker, type RequestTracker } from '../helpers/request-tracker.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage, type SeedMessage } from '../helpers/store-seed.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

/**
 * The Request Tracker hand-off over the store, against Debian's RT 5 on loopback: a
 * decrypted report becomes an RT ticket with the plaintext (never the ciphertext) and
 * the verdicts as custom fields and a comment; a follow-up becomes correspondence on the
 * same RT ticket; a report that could not be decrypted is announced, not pasted.
 */
const missing = requestTrackerMissing();
if (missing) console.warn(RT_SKIP_MESSAGE(missing));
const engines = storeEngines();
const FPR = 'E4A7D13E9392012E88BA501F0B48262379B53BFC';

describe.skipIf(missing !== null)('Request Tracker hand-off', () => {
  let rt: RequestTracker;
  let client: RtClient;
  beforeAll(async () => {
    rt = await startRequestTracker();
    client = new RtClient({ url: rt.url, auth: { kind: 'token', token: rt.token } });
  }, 180_000);
  afterAll(() => rt?.stop());

  async function senderFor(store: SqlStore) {
    const dir = await tempDir();
    const tokenFile = path.join(dir, 'rt.token');
    await writeFile(tokenFile, `${rt.token}\n`, { mode: 0o600 });
    const config = testConfig(dir, { handoff: { rt: { url: rt.url, queue: RT_QUEUE, tokenFile, customFields: { ...RT_CUSTOM_FIELDS } } } } as never);
    const queue = store.handoff;
    const deps = { config, env: {}, tickets: store.tickets, queue, owner: 'node-a', now: fixedClock().now };
    const logs = logSink();
    const sender = new HandoffSender({ ...deps, loadTargets: () => handoffTargets(deps), logger: logs.logger });
    await sender.start();
    await sender.stop();
    return { sender, logs };
  }

  // One RT serves every test, and each test's fresh store numbers its tickets from 1 again:
  // each test gets its own ticket prefix, as separate installations would have.
  let prefix = 'XYZ';
  let tests = 0;
  /** A committed report (its commit records the event the hand-off sends). */
  const report = (store: SqlStore, m: SeedMessage) => seedMessage(store, { prefix, ...m });

  const decryptedMime = (text: string) => Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}`);

  describe.each(engines)('on $name', (engine) => {
    beforeEach(() => {
      prefix = `${engine.name === 'sqlite' ? 'XS' : 'XP'}${++tests}`;
    });
    it('an encrypted report becomes an RT ticket with the decrypted text and the verdicts; a follow-up, correspondence', async () => {
      const { store } = await engine.fresh();
      const { sender } = await senderFor(store);
      const plaintext = 'Grüße: 198.51.100.7 scanned our SSH servers at 03:00 UTC.\n';
      const first = await report(store, {
        body: '-----BEGIN PGP MESSAGE-----\n\nhQEMA…ciphertext…\n-----END PGP MESSAGE-----\n',
        decrypted: decryptedMime(plaintext),
        encrypted: true,
        subject: 'scan report',
        signers: [{ fingerprint: FPR, keyId: FPR.slice(-16), userIds: ['Alice <alice@example.org>'] }],
      });
      expect(await sender.runOnce()).toEqual({ delivered: 1, deferred: 0, failed: 0 });
      const rtId = await rtTicketOf(store.sql, first.ticket);
      expect(rtId).toBeGreaterThan(0);
      const ticket = await client.readTicket(rtId!);
      expect(ticket.subject).toBe(`[${first.ticket}] scan report`);
      expect(ticket.customFields).toMatchObject({
        [RT_CUSTOM_FIELDS.ticket]: [first.ticket],
        [RT_CUSTOM_FIELDS.signedBy]: [FPR],
        [RT_CUSTOM_FIELDS.signature]: ['valid (whole)'],
        [RT_CUSTOM_FIELDS.fromMatchesSigner]: ['yes'],
        [RT_CUSTOM_FIELDS.encryption]: ['decrypted (pgp-mime)'],
      });
      let history = await client.history(rtId!);
      const created = history.find((t) => t.type === 'Create')!;
      expect(created.texts.join('')).toBe(plaintext);
      expect(JSON.stringify(history)).not.toContain('BEGIN PGP MESSAGE');
      const comment = history.find((t) => t.type === 'Comment')!.texts.join('');
      expect(comment).toContain(`signer ${FPR}: valid`);
      expect(comment).toContain('From matches signer: yes');
      expect(comment).toContain('Encryption: decrypted (pgp-mime)');

      await report(store, { body: 'we see it again from 198.51.100.8', ticket: first.ticket, subject: `Re: [${first.ticket}] scan report` });
      expect(await sender.runOnce()).toEqual({ delivered: 1, deferred: 0, failed: 0 });
      history = await client.history(rtId!);
      expect(history.filter((t) => t.type === 'Correspond').map((t) => t.texts.join(''))).toEqual(['we see it again from 198.51.100.8']);
      expect(history.filter((t) => t.type === 'Comment')).toHaveLength(2);
      expect(await rtTicketOf(store.sql, first.ticket)).toBe(rtId);
    });

    it('a report that could not be decrypted is announced in RT, never pasted as ciphertext', async () => {
      const { store } = await engine.fresh();
      const { sender } = await senderFor(store);
      const seeded = await seedMessage(store, { prefix, body: '-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----\n' });
      const record = { ...seeded.record, encryption: { ...seeded.record.encryption, status: 'failed' as const, format: 'inline' as const, error: 'no-decryption-key' } };
      await store.sql.write((tx) => tx.run('UPDATE message SET record = ? WHERE sha256 = ?', [JSON.stringify(record), seeded.sha256]));
      expect(await sender.runOnce()).toEqual({ delivered: 1, deferred: 0, failed: 0 });
      const history = await client.history((await rtTicketOf(store.sql, seeded.ticket))!);
      const content = history.find((t) => t.type === 'Create')!.texts.join('');
      expect(content).toContain('could not be decrypted by csirt-intake (no-decryption-key)');
      expect(JSON.stringify(history)).not.toContain('BEGIN PGP MESSAGE');
    });

    it('finds the RT ticket already carrying our ticket id instead of creating a second one', async () => {
      const { store } = await engine.fresh();
      const { sender } = await senderFor(store);
      const seeded = await report(store, { body: 'first report' });
      // An earlier attempt created the RT ticket, then the process died before recording it.
      const existing = await client.createTicket({ queue: RT_QUEUE, subject: 'made before a crash', content: 'x', customFields: { [RT_CUSTOM_FIELDS.ticket]: seeded.ticket } });
      expect(await sender.runOnce()).toEqual({ delivered: 1, deferred: 0, failed: 0 });
      expect(await rtTicketOf(store.sql, seeded.ticket)).toBe(existing);
    });
  });
});
