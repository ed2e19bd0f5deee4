import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../src/effects/atomic-file.js';
import { withLock } from '../../src/effects/locks.js';
import { reprocessMessage } from '../../src/pipeline/reprocess-message.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';

const raw = Buffer.from('From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\n\r\nscan report\r\n');

describe('reprocess under the message lock', () => {
  it('keeps an ack delivery recorded while it waited for the lock (reads message.json under the lock)', async () => {
    const t = await createTestApp();
    const run = await runPipelineOn(t, raw);
    const { ticket, sha256 } = run.record!;
    const file = path.join(t.app.archive.layout.messageDir(ticket, 1), 'message.json');

    let reprocessing: Promise<unknown> | undefined;
    // Hold the lock the outbox sender takes, start reprocess (it must wait), and record a
    // delivery meanwhile, as the sender would.
    await withLock(t.app.archive.layout.lockFile(`msg-${sha256}`), async () => {
      reprocessing = reprocessMessage(ticket, 1, t.app.context);
      await new Promise((r) => setTimeout(r, 150));
      const current = (await t.app.archive.tickets.readMessage(ticket, 1))!;
      await writeJsonAtomic(file, { ...current, ack: { ...current.ack, sent: true, file: 'acks/001.eml', sentAt: '2026-11-23T10:00:05.000Z' } });
    });
    await reprocessing;

    expect((await t.app.archive.tickets.readMessage(ticket, 1))?.ack).toMatchObject({ sent: true, file: 'acks/001.eml' });
  });
});
