import { describe, expect, it } from 'vitest';
import { initialDraft } from '../../src/model/draft.js';
import { fileTransport } from '../../src/model/transport.js';
import { processSpooled } from '../../src/pipeline/process-spooled.js';
import { runPipeline, STEPS } from '../../src/pipeline/run-pipeline.js';
import { effect } from '../../src/pipeline/stage.js';
import { createTestApp } from '../helpers/pipeline.js';

const raw = Buffer.from('From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\n\r\nscan report\r\n');

describe('resuming an interrupted message', () => {
  it('a failure after the ticket was reserved keeps the message in the spool; the retry completes the same ticket and seq', async () => {
    const t = await createTestApp();
    const spooled = await t.app.accept(raw, fileTransport('alice@example.org', ['cert@xyz.example']));

    // Run up to and including assign-ticket, then "crash" before anything is committed.
    const upToAssign = STEPS.slice(0, STEPS.findIndex((s) => s.name === 'assign-ticket') + 1);
    const crashing = [...upToAssign, effect('crash', async () => Promise.reject(new Error('power cut')))];
    await expect(runPipeline(initialDraft(spooled, null), t.app.context, crashing)).rejects.toThrow('power cut');
    expect(await t.app.archive.spool.list()).toEqual([spooled.spoolId]);
    expect(await t.app.archive.index.findSha(spooled.sha256)).toMatchObject({ ticket: 'XYZ-2026-00001', seq: 1 });

    // A new ticket allocated meanwhile must not change where the interrupted message goes.
    await t.app.archive.tickets.allocateTicket(2026);
    const outcome = await processSpooled(await t.app.archive.spool.read(spooled.spoolId), t.app.context);
    expect(outcome).toEqual({ kind: 'archived', ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    expect(await t.app.archive.spool.list()).toEqual([]);
    expect(await t.app.archive.tickets.messageSeqs('XYZ-2026-00001')).toEqual([1]);
  });

  it('a step that outlives the time budget fails temporarily (stage-timeout) and the message stays in the spool', async () => {
    const t = await createTestApp({ processing: { timeoutSeconds: 1 } });
    const spooled = await t.app.accept(raw, fileTransport('alice@example.org', []));
    const hanging = [effect('hang', () => new Promise(() => undefined))];
    await expect(runPipeline(initialDraft(spooled, null), t.app.context, hanging)).rejects.toMatchObject({
      kind: 'temporary',
      code: 'stage-timeout',
    });
    expect(await t.app.archive.spool.list()).toEqual([spooled.spoolId]);
  });
});
