import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/archive-scan.js';
import { startFakeImapServer } from '../helpers/fake-imap-server.js';
import { imapTestApp } from '../helpers/imap-app.js';

/**
 * docs/research/security.md §4: a malicious IMAP server must not make the watcher allocate
 * what it announces (CPython gh-119511: a literal of {4294967295} bytes) nor hang on a
 * literal that never comes. Either way the connection fails, the attempt is counted, and
 * after `maxFetchAttempts` the message goes to the failed mailbox — nothing is spooled.
 */
describe('IMAP watcher against a hostile server', () => {
  for (const [name, size] of [['4 GiB', 4294967295], ['2 MiB (over maxMessageBytes, under imapflow’s own 1 GiB cap)', 2 * 1024 * 1024]] as const) {
    it(`refuses a literal announced as ${name} before reading it, and gives the message up after maxFetchAttempts`, async () => {
      const server = await startFakeImapServer((socket) => {
        socket.write(`* 1 FETCH (UID 1 BODY[] {${size}}\r\n`);
        socket.write('x'.repeat(1024));
      });
      const heapBefore = process.memoryUsage().heapUsed;
      // socketTimeout far away: only the literal cap can end these attempts quickly.
      const t = await imapTestApp(server, { maxFetchAttempts: 2, maxMessageBytes: 1024 * 1024, socketTimeoutSeconds: 600 }, { env: { INTAKE_IMAP_PASSWORD: 'any' } });
      await waitFor(() => t.app.counters.get('imap.failed.fetch-failed') === 1, 'the message to be given up', 30_000);
      expect(server.bodyFetches).toBe(2);
      expect(server.moves).toEqual([expect.stringMatching(/Failed/)]);
      expect(t.logs.lines.filter((l) => l.msg === 'imap connection error' && l.code === 'LiteralTooLarge')).toHaveLength(2);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
      expect(t.logs.lines.find((l) => l.msg === 'imap message cannot be processed; moved to the failed mailbox')).toMatchObject({ reason: 'fetch-failed' });
      expect(t.app.counters.get('imap.accepted')).toBe(0);
    });
  }

  it('times out on a literal that never arrives, and gives the message up after maxFetchAttempts', async () => {
    const server = await startFakeImapServer((socket) => {
      socket.write('* 1 FETCH (UID 1 BODY[] {120}\r\nFrom: a@example.org\r\n');
    });
    const t = await imapTestApp(server, { maxFetchAttempts: 2, socketTimeoutSeconds: 0.5 }, { env: { INTAKE_IMAP_PASSWORD: 'any' } });
    await waitFor(() => t.app.counters.get('imap.failed.fetch-failed') === 1, 'the message to be given up');
    expect(server.bodyFetches).toBe(2);
    expect(server.moves[0]).toMatch(/Failed/);
    expect(t.app.counters.get('imap.accepted')).toBe(0);
  });

  it('a login refusal with control characters in the server\'s text is logged escaped', async () => {
    const server = await startFakeImapServer(() => undefined, { loginAnswer: 'NO [AUTHENTICATIONFAILED] go away \u001b[2J\u202Eforged' });
    const t = await imapTestApp(server, { reconnectMinSeconds: 5, reconnectMaxSeconds: 5 }, { env: { INTAKE_IMAP_PASSWORD: 'any' } });
    await waitFor(() => t.logs.lines.some((l) => String(l.msg).startsWith('imap login refused')), 'the refusal');
    const line = t.logs.lines.find((l) => String(l.msg).startsWith('imap login refused'))!;
    expect(line.level).toBe(50);
    expect(line.serverResponse).toMatch(/NO \[AUTHENTICATIONFAILED\] go away \\u001b\[2J\\u202eforged$/);
    expect(t.logs.text()).not.toContain('\u001b[2J');
  });
});
