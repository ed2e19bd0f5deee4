import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestApp, exportedMessageDir, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';

const mail = (subject: string, body: string, id: string) =>
  Buffer.from(`From: Lee <lee@example.org>\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.org>\r\n\r\n${body.replace(/\n/g, '\r\n')}`);

describe('extract-report in the pipeline', () => {
  it('reads a team\'s own template from report.templateDirs and ranks an attack from the constituency', async () => {
    const forms = await tempDir();
    await mkdir(forms, { recursive: true });
    await writeFile(
      path.join(forms, 'xyz-web.yaml'),
      'id: xyz-web\nname: XYZ web form\nitems:\n  - { field: reporter.name, labels: [Your name] }\n  - { field: "attack_sources[].hostname", type: host, labels: [Attacking host] }\n  - { field: incident.type, labels: [Kind of incident] }\n',
    );
    const t = await createTestApp({ report: { templateDirs: [forms], constituencyNetworks: ['198.51.100.0/24'] } });
    const run = await runPipelineOn(t, mail('web form', 'Your name: Lee\nAttacking host: scan7.example.net 198.51.100.7\nKind of incident: port scan\n', 'own-1'));
    expect(run.record).toMatchObject({
      form: { template: 'xyz-web', warnings: [] },
      classification: [{ class: 'information-gathering', type: 'scanner', rule: 'form-type-scan' }],
      indicators: { declared: { sources: { ips: ['198.51.100.7'], domains: ['scan7.example.net'] } } },
      priority: { rule: 'from-constituency', rank: 6 },
    });
    expect(run.ticket).toMatchObject({ priority: 'from-constituency', priorityRank: 6, classification: [{ class: 'information-gathering', type: 'scanner' }] });
  });

  it('a follow-up with a more pressing priority raises the ticket; a calmer one does not lower it', async () => {
    const t = await createTestApp();
    const first = await runPipelineOn(t, mail('spam', 'we received spam from you', 'p-1'));
    expect(first.ticket).toMatchObject({ priority: 'forgery', priorityRank: 11, classification: [{ class: 'abusive-content', type: 'spam' }] });
    const tag = `[${first.ticket!.id}]`;
    const second = await runPipelineOn(t, mail(`Re: spam ${tag}`, 'the sender also made a bomb threat against our staff', 'p-2'));
    expect(second.ticket).toMatchObject({ priority: 'safety', priorityRank: 1 });
    const third = await runPipelineOn(t, mail(`Re: ${tag}`, 'nothing new', 'p-3'));
    expect(third.record!.classification).toEqual([{ class: 'other', type: 'undetermined', rule: 'default' }]);
    expect(third.ticket).toMatchObject({ priority: 'safety', priorityRank: 1 });
    // The default class gives way to what the other messages said.
    expect(third.ticket!.classification.map((c) => `${c.class}/${c.type}`)).toEqual(['abusive-content/spam']);
  });

  it('an urgent Subject puts the ticket at the top, whatever the rules say', async () => {
    const t = await createTestApp();
    const run = await runPipelineOn(t, mail('URGENT please read', 'hello', 'u-1'));
    expect(run.record!.priority).toEqual({ rank: 13, rule: 'normal' });
    expect(run.ticket).toMatchObject({ urgent: true, priority: 'urgent-subject', priorityRank: 0 });
  });

  it('keeps report text out of the log line: only the classification is logged', async () => {
    const t = await createTestApp();
    await runPipelineOn(t, mail('phishing', 'see hxxp://evil[.]example[.]com/login and 203.0.113.77', 'l-1'));
    const line = t.logs.lines.find((l) => l.msg === 'report processed')!;
    expect(line.classification).toEqual(['fraud/phishing']);
    const text = JSON.stringify(t.logs.lines);
    for (const secret of ['evil.example.com', 'evil[.]example', '203.0.113.77', 'TLP', 'form']) expect(text).not.toContain(secret);
  });

  it('writes message.json of a plain report with the archive\'s usual mode', async () => {
    const t = await createTestApp();
    const run = await runPipelineOn(t, mail('x', 'y', 'm-1'));
    const file = path.join(await exportedMessageDir(t, run.record!.ticket, 1), 'message.json');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });
});

describe('extract-report on an encrypted report', () => {
  it('reads the decrypted payload, and message.json, which now holds plaintext, gets mode 0600', async () => {
    const { pgpTestApp } = await import('../openpgp/pgp-fixtures.js');
    const t = await pgpTestApp({ teamKey: 'team', receivedAt: '2026-11-23T10:00:00.000Z' });
    const run = await runPipelineOn(t, 'mail/openpgp/encrypted-mime-plain-cv25519-gpg.eml');
    expect(run.record).toMatchObject({
      encryption: { status: 'decrypted' },
      form: { template: 'free-text' },
      classification: [{ class: 'intrusion-attempts', type: 'brute-force', rule: 'keyword-brute-force' }],
      indicators: { candidates: { ips: ['198.51.100.23', '203.0.113.7'] } },
    });
    const file = path.join(await exportedMessageDir(t, run.record!.ticket, 1), 'message.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('archive modes of a decrypted report', () => {
  it('stores the decrypted attachments owner-only (0600), like decrypted.eml', async () => {
    const { pgpTestApp } = await import('../openpgp/pgp-fixtures.js');
    const t = await pgpTestApp({ teamKey: 'team', receivedAt: '2026-11-23T10:00:00.000Z' });
    const run = await runPipelineOn(t, 'mail/openpgp/encrypted-mime-attachment-cv25519-gpg.eml');
    expect(run.record?.encryption.status).toBe('decrypted');
    expect(run.record!.attachments.length).toBeGreaterThan(0);
    const dir = await exportedMessageDir(t, run.record!.ticket, 1);
    for (const attachment of run.record!.attachments) {
      expect((await stat(path.join(dir, attachment.path))).mode & 0o777, attachment.path).toBe(0o600);
    }
  });
});
