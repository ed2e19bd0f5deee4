import { describe, expect, it } from 'vitest';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';

const report = (subject: string, extra = '') =>
  Buffer.from(
    `From: Alice <alice@example.org>\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nMessage-ID: <m1@example.org>\r\n${extra}\r\nThe host 192.0.2.10 has been scanning our network since Monday.\r\n`,
  );

describe('the spine', () => {
  it('turns a plain report into a new ticket with its message archived', async () => {
    const t = await createTestApp();
    const run = await runPipelineOn(t, report('Scanning from one of your hosts'));
    expect(run.outcome).toEqual({ kind: 'archived', ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    expect(run.record).toMatchObject({ from: { address: 'alice@example.org', valid: true, count: 1 }, threading: { kind: 'new' } });
    expect(run.ticket).toMatchObject({ id: 'XYZ-2026-00001', correspondents: ['alice@example.org'] });
  });

  it('reports identical bytes as a duplicate and creates nothing', async () => {
    const t = await createTestApp();
    await runPipelineOn(t, report('Scanning'));
    const second = await runPipelineOn(t, report('Scanning'));
    expect(second.outcome).toEqual({ kind: 'archived', ticket: 'XYZ-2026-00001', seq: 1, status: 'duplicate' });
    expect((await t.app.store.tickets.list()).map((ticket) => ticket.id)).toEqual(['XYZ-2026-00001']);
  });
});
