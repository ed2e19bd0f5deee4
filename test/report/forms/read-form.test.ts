import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../../../src/report/forms/compile-template.js';
import { loadTemplates, shippedConfigDir } from '../../../src/report/forms/load-templates.js';
import { readForm } from '../../../src/report/forms/read-form.js';
import { prepareText } from '../../../src/report/text/prepare-text.js';

let templates: CompiledTemplate[];
beforeAll(async () => {
  const loaded = await loadTemplates([path.join(shippedConfigDir(), 'forms')]);
  expect(loaded.problems).toEqual([]);
  templates = loaded.templates;
});

const read = (text: string) => readForm(prepareText({ text, html: null, attachments: [] }, 1 << 20).lines, templates);

const V5 = ` 1. name.........................: Jane Doe
 2. organization name............: Example University, Physics Dept.
 3. sector type (such as banking, education, information
    technology, energy, or public safety)......: education
 4. email address................: jane.doe@physics.example.edu
 5. telephone number.............: +1 555 0100
 6. other........................: N/A

 7. hostname and IP..............: web1.physics.example.edu 192.0.2.10
 8. timezone.....................: EST (GMT-5), clock NTP-synced
 9. purpose or function of the host (please be as specific
    as possible).................: Apache web server (dept. pages)

 7. hostname and IP..............: 192.0.2.11
 8. timezone.....................: EST
 9. purpose or function of the host...: mail relay

10. hostname or IP...............: 198.51.100.23
11. timezone.....................: unknown
12. been in contact?.............: no
13. Estimated cost of handling incident (if known): ~2 staff-days

14. Description of the incident:
On 2003-03-14 from 02:10 EST the attacker brute-forced ssh on web1,
got in as user "guest" and installed an IRC bot. Log extract:
Mar 14 02:10:33 web1 sshd[1234]: Failed password for root from 198.51.100.23 port 4242 ssh2
Date: Fri, 14 Mar 2003 02:41:07 -0500
Mar 14 02:41:07 web1 sshd[1290]: Accepted password for guest from 198.51.100.23 port 4311 ssh2
`;

describe('the CERT/CC v5 form', () => {
  it('reads the research example: wrapped labels, two hosts, a verbatim log block', () => {
    const form = read(V5)!;
    expect(form.template).toBe('cert-cc-v5');
    expect(form.warnings).toEqual([]);
    const f = form.fields as any;
    expect(f.reporter.name.value).toBe('Jane Doe');
    expect(f.reporter.sector.value).toBe('education');
    expect(f.reporter.email.value).toBe('jane.doe@physics.example.edu');
    expect(f.reporter.other).toMatchObject({ raw: 'N/A', value: null });
    expect(f.affected_hosts).toHaveLength(2);
    expect(f.affected_hosts[0].hostname.value).toBe('web1.physics.example.edu');
    expect(f.affected_hosts[0].ips.value).toEqual(['192.0.2.10']);
    expect(f.affected_hosts[0].timezone).toMatchObject({ value: '-05:00' });
    expect(f.affected_hosts[0].function.value).toBe('Apache web server (dept. pages)');
    expect(f.affected_hosts[1].ips.value).toEqual(['192.0.2.11']);
    expect(f.affected_hosts[1].function.value).toBe('mail relay');
    expect(f.attack_sources).toHaveLength(1);
    expect(f.attack_sources[0].ips.value).toEqual(['198.51.100.23']);
    expect(f.attack_sources[0].timezone.value).toBeNull();
    expect(f.attack_sources[0].contacted.value).toBe(false);
    expect(f.incident.description.value).toContain('sshd[1234]: Failed password');
    expect(f.incident.description.value).toContain('Date: Fri, 14 Mar 2003 02:41:07 -0500');
    expect(f.incident.description.value.split('\n')).toHaveLength(5);
  });
});
