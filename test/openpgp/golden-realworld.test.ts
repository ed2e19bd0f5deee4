import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { checkPgpFixture, pgpFixtures, pgpTestApp, reporterTransport } from './pgp-fixtures.js';

/**
 * Real-world mail (issue 12; scripts/fixtures/realworld.mjs): what mutt, gnupg1, gpg,
 * sqop and a signing S/MIME gateway actually produce, each judged by the rules of
 * DESIGN §6 through the whole pipeline.
 */
const fixtures = pgpFixtures('realworld');
const byClass = (prefix: string) => fixtures.filter((f) => f.name.startsWith(prefix));

describe('GnuPG 1.x-era version-3 signatures are invalid, never "none" (item 1)', () => {
  for (const fixture of byClass('v3sig-')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('an S/MIME gateway around PGP/MIME: the inner message is the root, the S/MIME signature recorded (item 4)', () => {
  for (const fixture of byClass('smime-')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('encrypted attachments and keys recognised by content, not name (item 5)', () => {
  for (const fixture of byClass('attachment-')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('protected headers only with their marker (item 6)', () => {
  for (const fixture of byClass('protected-headers-')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('threading by a protected Subject needs the marker (item 6)', () => {
  it('the ticket tag inside an unmarked payload does not thread; with hp="cipher" it does', async () => {
    const find = (name: string) => fixtures.find((f) => f.name === name)!;
    const marked = find('protected-headers-hp-cipher');
    const t = await pgpTestApp(marked.expected);
    const first = await runPipelineOn(t, 'mail/plain/01-plain-report.eml');
    expect(first.record!.ticket).toBe('XYZ-2026-00001');
    const unmarked = await runPipelineOn(t, find('protected-headers-without-marker').file, { transport: reporterTransport });
    expect(unmarked.record).toMatchObject({ headers: { innerSubject: null }, threading: { kind: 'new' } });
    expect(unmarked.record!.ticket).not.toBe('XYZ-2026-00001');
    const tagged = await runPipelineOn(t, marked.file, { transport: reporterTransport });
    expect(tagged.record).toMatchObject({ ticket: 'XYZ-2026-00001', threading: { kind: 'tag' } });
  });
});

describe('signature time against the Date header (item 7)', () => {
  for (const fixture of byClass('signature-date-')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('intake stats counts version-3 signatures as signed (item 1)', () => {
  it('signed share includes messages whose only signature could not be judged', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, {
      log: { file: null },
      pgp: { privateKeyFile: path.join(FIXTURES, 'keys', 'team.sec.asc'), keyringDir: path.join(FIXTURES, 'keys', 'constituents') },
    });
    const files = ['v3sig-mime-signed-mutt-gnupg1', 'v3sig-inline-clearsigned-unknown-key-gnupg1'].map((n) => path.join(FIXTURES, 'mail', 'realworld', `${n}.eml`));
    const ingest = await runCli(['ingest', '--config', 'config.yaml', ...files], { cwd: dir });
    expect(ingest.code, ingest.stderr).toBe(0);
    const stats = await runCli(['stats', '--json', '--config', 'config.yaml'], { cwd: dir });
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).crypto).toMatchObject({ messages: 2, signed: 2, signedValidWhole: 0, signedShare: 1 });
  });
});
