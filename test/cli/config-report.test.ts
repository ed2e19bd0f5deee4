import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('intake config check: form templates and rules', () => {
  it('lists every problem of the team\'s templates and rules file, exit 78', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'forms'));
    await writeFile(path.join(dir, 'forms', 'ours.yaml'), 'id: ours\nname: Ours\nitems:\n  - { field: "hosts[].name", type: host, labels: [Host] }\n');
    await writeFile(path.join(dir, 'rules.yaml'), 'classification:\n  - { id: a, class: nope, type: nope, when: { text: [x] } }\n');
    await writeCliConfig(dir, { report: { templateDirs: ['forms'], rulesFile: 'rules.yaml', constituencyNetworks: ['192.0.2.0/24'] } });
    const result = await runCli(['config', 'check', '--config', 'config.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`${path.join(dir, 'forms', 'ours.yaml')}: items.0: a host field id ends in .hostname`);
    expect(result.stderr).toContain(`${path.join(dir, 'rules.yaml')}: classification.0: class/type is not in the RSIT taxonomy`);
  });

  it('rejects a constituency network that is no network', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { report: { constituencyNetworks: ['192.0.2.0/33', 'example.org'] } });
    const result = await runCli(['config', 'check', '--config', 'config.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('report.constituencyNetworks.0: an IP address or CIDR network such as 192.0.2.0/24');
    expect(result.stderr).toContain('report.constituencyNetworks.1: an IP address or CIDR network such as 192.0.2.0/24');
  });
});
