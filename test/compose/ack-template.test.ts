import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAckTemplates, parseTemplate, renderTemplate, type TemplateValues } from '../../src/compose/ack-template.js';
import { fileTransport } from '../../src/model/transport.js';
import { formatLocalTime, groupFingerprint } from '../../src/pipeline/stages/compose-ack.js';
import { signedText, splitSigned } from '../helpers/pgp-mime.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const values: TemplateValues = {
  ticket: 'XYZ-2026-00042',
  receivedAt: '2026-11-23 11:00 UTC+01:00',
  teamName: 'XYZ-CERT',
  fingerprint: 'ABCD',
  businessHours: 'Mon-Fri',
  timezone: 'Europe/Berlin',
  urgentLine: '',
  lookupCommand: 'intake tickets show XYZ-2026-00042',
};

describe('ack templates', () => {
  it('renders placeholders, drops an empty urgent line, trims trailing whitespace', () => {
    const template = parseTemplate('t', 'Ticket {{ticket}}   \r\n{{urgentLine}}\n\nFrom {{teamName}}\n\n');
    expect(renderTemplate(template, values)).toBe('Ticket XYZ-2026-00042\n\nFrom XYZ-CERT\n');
    expect(renderTemplate(template, { ...values, urgentLine: 'URGENT' })).toBe('Ticket XYZ-2026-00042\nURGENT\n\nFrom XYZ-CERT\n');
  });

  it.each([
    ['an unknown placeholder', 'Your subject: {{subject}} {{ticket}}', /unknown placeholder \{\{subject\}\}/],
    ['unbalanced braces', 'Ticket {{ticket}} {{teamName', /unbalanced/],
    ['no ticket', 'Thanks, {{teamName}}', /must contain \{\{ticket\}\}/],
    ['control characters', 'Ticket {{ticket}}\u001b[2J', /control characters/],
    ['a huge text', `{{ticket}}${'x'.repeat(9000)}`, /larger than/],
  ])('refuses %s', (_name, text, problem) => {
    expect(() => parseTemplate('t', text, ['ticket'])).toThrow(problem);
  });

  it('are checked by `config check`, every problem with its key', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'bad.txt'), 'Hello {{from}}');
    const config = testConfig(dir, { ack: { templateFile: 'bad.txt', onDutyTemplateFile: 'missing.txt' } });
    const problems = await checkAckTemplates(config);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^ack\.templateFile: .*unknown placeholder \{\{from\}\}.*must contain \{\{ticket\}\}/);
    expect(problems[1]).toMatch(/^ack\.onDutyTemplateFile: cannot read template/);
    expect(await checkAckTemplates(testConfig(dir))).toEqual([]);
  });

  it('an operator template is what the ack says', async () => {
    const t = await createTestApp({ ack: { templateFile: 'mine.txt' } }, {
      prepare: (dir) => writeFile(path.join(dir, 'mine.txt'), 'Danke. Ihr Vorgang: {{ticket}}, {{receivedAt}}.\n'),
    });
    const run = await runPipelineOn(t, Buffer.from('From: a@example.org\r\nSubject: x\r\n\r\ny\r\n'), {
      transport: fileTransport('a@example.org', ['cert@xyz.example']),
    });
    const ack = (await t.app.store.outbox.get(`${run.record!.ticket}.001.ack`))!.raw!;
    expect(signedText(splitSigned(ack).signed)).toBe(`Danke. Ihr Vorgang: ${run.record!.ticket}, 2026-11-23 11:00 UTC+01:00.\n`);
  });

  it('formats times in the team zone and fingerprints as gpg does', () => {
    expect(formatLocalTime(new Date('2026-07-01T22:30:00Z'), 'Europe/Berlin')).toBe('2026-07-02 00:30 UTC+02:00');
    expect(formatLocalTime(new Date('2026-07-01T22:30:00Z'), 'UTC')).toBe('2026-07-01 22:30 UTC+00:00');
    expect(groupFingerprint('daefbb653a02fbc35f1ce97df1b59e76ccae323d')).toBe('DAEF BB65 3A02 FBC3 5F1C E97D F1B5 9E76 CCAE 323D');
  });
});
