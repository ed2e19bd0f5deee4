import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanArchive, spoolEntries } from '../helpers/archive-scan.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { smtpBurst } from '../helpers/smtp-burst.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The durability promise end to end (docs/research/security.md §8): `intake serve`, the real
 * built CLI, is killed with SIGKILL in the middle of a burst of 300 messages from 20
 * concurrent SMTP clients, then started again. Every message that got `250` must be
 * archived exactly once, and no ticket number may be given twice. The clients then do
 * what MTAs do and send again whatever got no `250`: in the end all 300 are archived,
 * each exactly once (a message that was spooled but whose `250` was lost in the crash is
 * recognised by its SHA-256 when it comes again).
 */
const COUNT = 300;
const CLIENTS = 20;
const KILL_POINTS = [30, 150, 270];

const messages = Array.from({ length: COUNT }, (_, i) => {
  const token = `crash-${String(i).padStart(3, '0')}`;
  return [
    'From: Reporter <reporter@example.org>',
    'To: cert@xyz.example',
    `Subject: Incident report ${token}`,
    `Message-ID: <${token}@example.org>`,
    '',
    `Host 192.0.2.${i % 250} scanned us; reference ${token}.`,
    'x'.repeat(900),
    '',
  ].join('\r\n');
});

describe('intake serve killed with SIGKILL during a burst', () => {
  for (const killAfter of KILL_POINTS) {
    it(`after ${killAfter} accepted messages: every 250 archived exactly once, no ticket twice`, async () => {
      const dir = await tempDir();
      const archiveDir = path.join(dir, 'data');
      const config = await writeServeConfig(dir, { log: { level: 'info', file: 'data/logs/intake.log' } });

      const first = startServe(dir, config);
      const firstPort = await first.smtpPort();
      const all = messages.map((_, i) => i);
      const burst = await smtpBurst(firstPort, messages, all, {
        clients: CLIENTS,
        onAccepted: (count) => {
          if (count === killAfter) first.child.kill('SIGKILL');
        },
      });
      await first.exited;
      expect(burst.accepted.size).toBeGreaterThanOrEqual(killAfter);
      expect(burst.accepted.size).toBeLessThan(COUNT);

      // Restart: recovery runs before the port opens; then the "MTAs" retry.
      const second = startServe(dir, config);
      const secondPort = await second.smtpPort();
      const retry = await smtpBurst(secondPort, messages, [...burst.notAccepted], { clients: CLIENTS });
      expect(retry.notAccepted.size).toBe(0);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const archived = await scanArchive(archiveDir);
      const count = new Map<string, number>();
      for (const m of archived) count.set(String(m.record.headers.messageId), (count.get(String(m.record.headers.messageId)) ?? 0) + 1);
      for (const index of burst.accepted) {
        expect(count.get(`<crash-${String(index).padStart(3, '0')}@example.org>`), `message ${index} got 250`).toBe(1);
      }
      expect(archived).toHaveLength(COUNT);
      expect(count.size).toBe(COUNT);
      const tickets = archived.map((m) => m.ticket);
      expect(new Set(tickets).size).toBe(COUNT);
      expect(archived.every((m) => m.seq === 1)).toBe(true);
      expect(await spoolEntries(archiveDir)).toEqual([]);
      // Ticket numbers reserved by a process that died before its claim was written stay
      // unused (a gap), never reused: at most one per in-flight message at the kill.
      const ticketDirs = (await readdir(path.join(archiveDir, 'tickets'))).filter((n) => !n.startsWith('.'));
      expect(ticketDirs.length - COUNT).toBeLessThanOrEqual(CLIENTS);
    }, 240_000);
  }
});
