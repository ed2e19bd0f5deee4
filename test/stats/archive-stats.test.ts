import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessageRecord, TicketRecord } from '../../src/model/message-record.js';
import { archiveStats, median } from '../../src/stats/archive-stats.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';

function message(receivedAt: string, over: Partial<MessageRecord> = {}): MessageRecord {
  return {
    receivedAt,
    encryption: { status: 'none' },
    signature: { status: 'none', coverage: 'none' },
    ack: { sent: false, status: 'suppressed', sentAt: null },
    ...over,
  } as unknown as MessageRecord;
}

function ticket(createdAt: string, over: Partial<TicketRecord> = {}): TicketRecord {
  return { createdAt, urgent: false, priority: 'normal', priorityRank: 13, classification: [{ class: 'other', type: 'undetermined', rule: 'default' }], ...over } as TicketRecord;
}

describe('archive statistics', () => {
  it('counts reports per month in the team time zone, per RSIT class, priority, crypto, and the median time to acknowledgement', () => {
    const sent = (received: string, at: string) => message(received, { ack: { sent: true, status: 'sent', sentAt: at } as MessageRecord['ack'] });
    const stats = archiveStats(
      [
        // 2026-10-31 23:30 UTC is November in Berlin.
        { ticket: ticket('2026-10-31T23:30:00Z', { urgent: true, priority: 'urgent-subject', priorityRank: 0, classification: [{ class: 'fraud', type: 'phishing', rule: 'r' }] }), messages: [sent('2026-10-31T23:30:00Z', '2026-10-31T23:30:30Z')] },
        {
          ticket: ticket('2026-11-02T10:00:00Z', { classification: [{ class: 'fraud', type: 'phishing', rule: 'r' }, { class: 'intrusions', type: 'system-compromise', rule: 'r' }] }),
          messages: [
            sent('2026-11-02T10:00:00Z', '2026-11-02T10:01:30Z'),
            message('2026-12-01T10:00:00Z', { encryption: { status: 'decrypted' }, signature: { status: 'valid', coverage: 'whole' } } as Partial<MessageRecord>),
          ],
        },
        { ticket: ticket('2026-10-15T10:00:00Z'), messages: [sent('2026-10-15T10:00:00Z', '2026-10-15T10:10:00Z'), message('2026-10-15T11:00:00Z', { encryption: { status: 'failed' } } as Partial<MessageRecord>)] },
      ],
      'Europe/Berlin',
    );
    expect(stats.reports).toBe(3);
    expect(stats.messages).toBe(5);
    expect(stats.urgentReports).toBe(1);
    expect(stats.perMonth).toEqual([
      { month: '2026-10', reports: 1, messages: 2, urgent: 0 },
      { month: '2026-11', reports: 2, messages: 2, urgent: 1 },
      { month: '2026-12', reports: 0, messages: 1, urgent: 0 },
    ]);
    expect(stats.perClass).toEqual([
      { class: 'fraud', reports: 2, types: [{ type: 'phishing', reports: 2 }] },
      { class: 'intrusions', reports: 1, types: [{ type: 'system-compromise', reports: 1 }] },
      { class: 'other', reports: 1, types: [{ type: 'undetermined', reports: 1 }] },
    ]);
    expect(stats.perPriority).toEqual([
      { rule: 'urgent-subject', rank: 0, reports: 1 },
      { rule: 'normal', rank: 13, reports: 2 },
    ]);
    expect(stats.crypto).toEqual({ messages: 5, encrypted: 2, decryptionFailed: 1, signed: 1, signedValidWhole: 1, encryptedShare: 0.4, signedShare: 0.2 });
    expect(stats.acknowledgements).toEqual({ sent: 3, queued: 0, suppressed: 2, failed: 0, medianSecondsToAck: 90, measured: 3 });
  });

  it('median of an even count is the mean of the middle two; none is null', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('intake stats', () => {
  it('prints the figures of the archive, as text and with --json', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { log: { file: null } });
    await mkdir(path.join(dir, 'in'));
    const names = ['01-cert-cc-v5', '05-cert-cc-v3', '06-forth-5.2-urgent', '11-free-text-defanged'];
    for (const n of names) await copyFile(path.join(FIXTURES, 'mail', 'forms', `${n}.eml`), path.join(dir, 'in', `${n}.eml`));
    const ingest = await runCli(['ingest', '--config', 'config.yaml', ...names.map((n) => `in/${n}.eml`)], { cwd: dir });
    expect(ingest.code, ingest.stderr).toBe(0);

    const json = await runCli(['stats', '--json', '--config', 'config.yaml'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats).toMatchObject({ reports: 4, messages: 4, urgentReports: 1, crypto: { encrypted: 0, signed: 0, encryptedShare: 0 } });
    expect(stats.perMonth).toHaveLength(1);
    expect(stats.perClass.find((c: { class: string }) => c.class === 'intrusions')).toMatchObject({ reports: 2 });
    expect(stats.perPriority[0]).toEqual({ rule: 'urgent-subject', rank: 0, reports: 1 });

    const text = await runCli(['stats', '--config', 'config.yaml'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('reports: 4 (1 urgent), messages: 4');
    expect(text.stdout).toMatch(/^intrusions\s+2$/m);
    // outbound.mode outbox: `intake ingest` wrote every ack to the pickup directory at once.
    expect(text.stdout).toMatch(/median time to acknowledgement: [\d.]+ s over \d+/);
    expect(stats.outbox).toMatchObject({ pending: 0, failed: 0 });
    expect(stats.outbox.delivered).toBe(stats.acknowledgements.sent);
    expect(text.stdout).toContain('ack queue: 0 waiting, 0 failed for good');
  });
});

describe('intake tickets show', () => {
  it('shows what was understood of the report, escaped', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { log: { file: null } });
    await mkdir(path.join(dir, 'in'));
    await copyFile(path.join(FIXTURES, 'mail', 'forms', '01-cert-cc-v5.eml'), path.join(dir, 'in', 'a.eml'));
    const ingest = await runCli(['ingest', '--config', 'config.yaml', 'in/a.eml'], { cwd: dir });
    const { ticket } = JSON.parse(ingest.stdout);
    const show = await runCli(['tickets', 'show', ticket, '--config', 'config.yaml'], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('  priority: user-account (rank 9)');
    expect(show.stdout).toContain('report: cert-cc-v5  classification=intrusion-attempts/brute-force,intrusions/unprivileged-account-compromise,malicious-code/infected-system  priority=user-account(9)  tlp=TLP:AMBER');
    expect(show.stdout).toContain('reporter (form): Jane Doe, Example University, Physics Dept., jane.doe@physics.example.edu');
    expect(show.stdout).toContain('affected hosts: web1.physics.example.edu 192.0.2.10; 192.0.2.11');
    expect(show.stdout).toContain('attack sources: 198.51.100.23');
    expect(show.stdout).toContain('candidates in text: 1 address(es), 0 network(s), 1 domain(s)');
  });
});
