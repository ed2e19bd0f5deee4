import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/effects/outbox.js';
import { recordAckOutcome } from '../../src/effects/record-ack.js';
import { runPipelineOn } from '../helpers/pipeline.js';

describe('recording a delivered acknowledgement', () => {
  it('updates message.json of a decrypted report without widening its owner-only mode', async () => {
    const { pgpTestApp } = await import('../openpgp/pgp-fixtures.js');
    const t = await pgpTestApp({ teamKey: 'team', receivedAt: '2026-11-23T10:00:00.000Z' });
    const run = await runPipelineOn(t, 'mail/openpgp/encrypted-mime-plain-cv25519-gpg.eml');
    expect(run.record?.encryption.status).toBe('decrypted');
    const outbox = new Outbox(t.app.archive.layout);
    const [key] = await outbox.list();
    const { entry } = (await outbox.read(key!))!;

    await recordAckOutcome(t.app.archive, entry, { status: 'sent', at: new Date('2026-11-23T10:00:05Z'), file: 'acks/001.eml' });

    const dir = t.app.archive.layout.messageDir(run.record!.ticket, 1);
    expect((await t.app.archive.tickets.readMessage(run.record!.ticket, 1))?.ack).toMatchObject({ sent: true, file: 'acks/001.eml' });
    expect((await stat(path.join(dir, 'message.json'))).mode & 0o777).toBe(0o600);
  });
});
