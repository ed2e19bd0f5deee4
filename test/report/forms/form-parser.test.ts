import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../../../src/report/forms/compile-template.js';
import YAML from 'yaml';
import { loadTemplates, shippedConfigDir, validateTemplate } from '../../../src/report/forms/load-templates.js';
import { readForm } from '../../../src/report/forms/read-form.js';
import { readKeyValue } from '../../../src/report/forms/read-key-value.js';
import { prepareText } from '../../../src/report/text/prepare-text.js';
import { tempDir } from '../../helpers/temp-dir.js';

let templates: CompiledTemplate[];
let keyValue: CompiledTemplate;
beforeAll(async () => {
  const loaded = await loadTemplates([path.join(shippedConfigDir(), 'forms')]);
  expect(loaded.problems).toEqual([]);
  templates = loaded.templates.filter((t) => t.kind === 'form');
  keyValue = loaded.templates.find((t) => t.kind === 'key-value')!;
});

const lines = (text: string) => prepareText({ text, html: null, attachments: [] }, 1 << 22).lines;
const read = (text: string, with_ = templates) => readForm(lines(text), with_);
const v5 = (rest: string) => ` 1. name: A\n 2. organization name: B\n 4. email address: a@example.org\n${rest}`;

describe('the form parser', () => {
  it('reads a form without numbers or dot leaders, and labels shortened to their first words', () => {
    const form = read('name: Ann\norganization name: Org\nemail address: ann@example.org\npurpose or function: file server\n')!;
    expect(form.template).toBe('cert-cc-v5');
    expect((form.fields as any).affected_hosts[0].function.value).toBe('file server');
  });

  it('turns unknown lines after the first question into warnings, with their line number', () => {
    const form = read(v5(' 6. other: x\n\nthis line is no answer\n 7. hostname and IP: 192.0.2.1\n'))!;
    expect(form.warnings).toEqual(['line 6: not a question of cert-cc-v5: this line is no answer']);
    expect(form.loose).toEqual(['this line is no answer']);
  });

  it('keeps the first answer of a field answered twice and warns about the second', () => {
    const form = read(v5(' 1. name: Other Person\n'))!;
    expect((form.fields as any).reporter.name.value).toBe('A');
    expect(form.warnings[0]).toMatch(/^line 4: reporter\.name answered twice; the first answer is kept: Other Person$/);
  });

  it('ends a block answer only at a later question, not at log lines that look like labels', () => {
    const form = read(v5('14. Description of the incident:\nname: not a label here\nDate: Mon, 23 Nov 2026\nsshd[1234]: x\n 4. email address: still the log\n'))!;
    const description = (form.fields as any).incident.description.value as string;
    expect(description.split('\n')).toEqual(['name: not a label here', 'Date: Mon, 23 Nov 2026', 'sshd[1234]: x', ' 4. email address: still the log']);
    expect((form.fields as any).reporter.email.value).toBe('a@example.org');
  });

  it('opens a new host for a repeated block even when the block is only partly answered', () => {
    const form = read(v5(' 8. timezone: UTC\n 9. purpose or function of the host: a\n 7. hostname and IP: 192.0.2.2\n 9. purpose or function of the host: b\n'))!;
    const hosts = (form.fields as any).affected_hosts;
    expect(hosts.map((h: any) => h.function.value)).toEqual(['a', 'b']);
    expect(hosts[1].ips.value).toEqual(['192.0.2.2']);
  });

  it('chooses the form at the quote depth where it was filled in', () => {
    const form = read(`My answers:\n\n${v5(' 8. timezone: CET\n').split('\n').map((l) => `> ${l}`).join('\n')}\n`)!;
    expect((form.fields as any).report.quote_depth.value).toBe(1);
    expect((form.fields as any).reporter.name.value).toBe('A');
  });

  it('undoes dash-escaping and drops the armour of a clear-signed form', () => {
    const text = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n' + v5('14. Description of the incident:\n- - first step\nnormal line\n') + '-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n';
    const form = read(text)!;
    expect((form.fields as any).incident.description.value).toBe('- first step\nnormal line');
    expect(form.warnings).toEqual([]);
  });

  it('reads N/A, none, -, unknown and empty answers as absent, keeping the raw text', () => {
    const form = read(v5(' 6. other: n/a\n 7. hostname and IP: unknown\n10. hostname or IP: -\n12. been in contact?:\n'))!;
    const f = form.fields as any;
    expect(f.reporter.other).toMatchObject({ raw: 'n/a', value: null });
    expect(f.affected_hosts[0].hostname).toMatchObject({ raw: 'unknown', value: null });
    expect(f.attack_sources[0].contacted).toMatchObject({ raw: '', value: null });
  });

  it('is not a form when too few labels match', () => {
    expect(read('name: Ann\nSome text about an incident.\n')).toBeNull();
  });

  it('parses a 50 KB single-line answer and a log of 50 000 colons in bounded time', () => {
    const hostile = v5(` 6. other: ${'a:'.repeat(25_000)}\n14. Description of the incident:\n${'x: '.repeat(20_000)}\n${'1.'.repeat(30_000)}: y\n`);
    const started = performance.now();
    const form = read(hostile)!;
    expect(form.template).toBe('cert-cc-v5');
    expect(((form.fields as any).reporter.other.value as string).length).toBe(50_000);
    // Generous: a backtracking pattern would take minutes here, not seconds.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('templates are data', () => {
  it('a team adds its own form as a YAML file, no code', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'our-form.yaml'),
      [
        'id: xyz-cert-web',
        'name: XYZ-CERT web form export',
        'detect: [xyz cert incident form]',
        'items:',
        '  - { field: reporter.name, labels: [Reporter] }',
        '  - { field: reporter.email, type: email, labels: [Reply address] }',
        '  - { field: "affected_hosts[].hostname", type: host, labels: [Affected system] }',
        '  - { field: incident.description, type: block, labels: [What happened] }',
      ].join('\n'),
    );
    const loaded = await loadTemplates([path.join(shippedConfigDir(), 'forms'), dir]);
    expect(loaded.problems).toEqual([]);
    const form = read('XYZ-CERT incident form\nReporter: Lee\nReply address: <lee@example.org>\nAffected system: srv.example.org (192.0.2.9)\nWhat happened:\nsomething: odd\n', loaded.templates)!;
    expect(form.template).toBe('xyz-cert-web');
    const f = form.fields as any;
    expect(f.reporter.email.value).toBe('lee@example.org');
    expect(f.affected_hosts[0]).toMatchObject({ hostname: { value: 'srv.example.org' }, ips: { value: ['192.0.2.9'] } });
    expect(f.incident.description.value).toBe('something: odd');
  });

  it('reports every problem of a broken template file', async () => {
    const result = await validateTemplate('bad.yaml', YAML.parse('id: Bad Id\nname: x\nitems:\n  - { field: "a[].b", type: host, labels: [x] }\n  - { field: c, type: choice, labels: [y] }\n'));
    expect('problems' in result && result.problems).toEqual([
      'bad.yaml: id: lower-case letters, digits, dots and hyphens',
      'bad.yaml: items.0: a host field id ends in .hostname (its addresses go to the sibling .ips)',
      'bad.yaml: items.1: a choice field needs choices',
    ]);
  });
});

describe('the YAML cache', () => {
  it('parses a template once, then reads it from the cache; an edited file is parsed anew', async () => {
    const forms = await tempDir();
    const cache = await tempDir();
    const file = path.join(forms, 'ours.yaml');
    await writeFile(file, 'id: ours\nname: Ours\nitems:\n  - { field: reporter.name, labels: [Who] }\n');
    const first = await loadTemplates([forms], cache);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(cache)).toHaveLength(1);
    const second = await loadTemplates([forms], cache);
    expect(second.templates[0]!.labels.has('who')).toBe(true);
    expect(first.templates[0]!.id).toBe(second.templates[0]!.id);
    await writeFile(file, 'id: ours\nname: Ours\nitems:\n  - { field: reporter.name, labels: [Reporter] }\n');
    const third = await loadTemplates([forms], cache);
    expect(third.templates[0]!.labels.has('reporter')).toBe(true);
    expect(await readdir(cache)).toHaveLength(2);
  });

  it('never caches a file with YAML errors, and reports them every time', async () => {
    const forms = await tempDir();
    const cache = await tempDir();
    await writeFile(path.join(forms, 'bad.yaml'), 'id: [unclosed\n');
    for (let i = 0; i < 2; i++) expect((await loadTemplates([forms], cache)).problems[0]).toMatch(/bad\.yaml: YAML: /);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('the key: value fallback', () => {
  it('maps known keys, keeps the others, ignores timestamps and pasted mail headers', () => {
    const text = 'Received: from x\nMessage-ID: <a@b>\nSource IP: 203.0.113.5\nDst Port: 22\nMar 14 02:10:33 host sshd[1]: x\nCustom key: kept\nType: port scan\n';
    const form = readKeyValue(lines(text), keyValue)!;
    const f = form.fields as any;
    expect(f.attack_sources[0].ips.value).toEqual(['203.0.113.5']);
    expect(f.affected_hosts[0].port.value).toBe('22');
    expect(f.incident.type.value).toBe('port scan');
    expect(f.other.map((o: any) => o.key.value)).toEqual(['Custom key']);
  });

  it('needs at least three key: value lines', () => {
    expect(readKeyValue(lines('Source IP: 203.0.113.5\nplease look\n'), keyValue)).toBeNull();
  });
});
