import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { readSecret } from '../../src/config/secrets.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function problemsOf(yaml: string): string[] {
  try {
    parseConfig('test.yaml', yaml, '/srv/intake');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('the shipped config/default.yaml is valid and resolves paths against the working directory', async () => {
    const { config } = await loadConfig(path.join(ROOT, 'config/default.yaml'), '/srv/intake');
    expect(config.smtp).toMatchObject({ enabled: true, host: '127.0.0.1', port: 2525 });
    expect(config.imap.enabled).toBe(false);
    expect(config.outbound.mode).toBe('outbox');
    expect(config.archive.dir).toBe('/srv/intake/data');
    expect(config.pgp.privateKeyFile).toBe('/srv/intake/keys/team.sec.asc');
  });

  it('the Docker configuration differs from the default only in the listen addresses and the metrics (its HEALTHCHECK)', async () => {
    const { config: docker } = await loadConfig(path.join(ROOT, 'config/docker.yaml'), '/app');
    const { config: base } = await loadConfig(path.join(ROOT, 'config/default.yaml'), '/app');
    expect({ ...docker, smtp: { ...docker.smtp, host: base.smtp.host }, metrics: base.metrics }).toEqual(base);
    expect(docker.smtp.host).toBe('0.0.0.0');
    expect(docker.metrics).toEqual({ enabled: true, host: '0.0.0.0', port: 9465 });
    expect(base.metrics).toEqual({ enabled: false, host: '127.0.0.1', port: 9465 });
  });

  it('reports every problem at once, each with its path, including unknown keys', () => {
    const problems = problemsOf(`
team:
  name: XYZ-CERT
  ticketPrefix: xyz
  addresses: []
  ackFrom: not-an-address
  timezone: Mars/Olympus
  colour: red
smtp: { port: 99999 }
archiv: { dir: data }
`);
    expect(problems.some((p) => p.startsWith('team.ticketPrefix:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('team.addresses:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('team.ackFrom:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('team.timezone:'))).toBe(true);
    expect(problems).toContain('unknown key team.colour');
    expect(problems.some((p) => p.startsWith('smtp.port:'))).toBe(true);
    expect(problems).toContain('unknown key archiv — did you mean archive?');
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });

  it('requires IMAP settings only when IMAP is enabled', () => {
    const team = 'team: { name: T, ticketPrefix: XY, addresses: [a@b.example], ackFrom: a@b.example }\n';
    expect(problemsOf(`${team}imap: { enabled: false }`)).toEqual([]);
    expect(problemsOf(`${team}imap: { enabled: true }`).sort()).toEqual(['imap.host: required when imap.enabled', 'imap.user: required when imap.enabled']);
  });

  it('reports YAML syntax errors with their line and duplicate keys', () => {
    expect(problemsOf('team:\n  name: a\n  name: b\n')[0]).toMatch(/^YAML line 3/);
  });

  it('reads secrets from the environment first, then from the *File path', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'secret');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 's3cret\n'));
    expect(await readSecret(file, 'X_SECRET', {})).toBe('s3cret');
    expect(await readSecret(file, 'X_SECRET', { X_SECRET: 'from-env' })).toBe('from-env');
    expect(await readSecret(null, 'X_SECRET', {})).toBeNull();
    await expect(readSecret(path.join(dir, 'missing'), 'X_SECRET', {})).rejects.toThrow(/cannot read secret file/);
  });
});

describe('intake config check|print', () => {
  it('check says ok for a valid file, exit 0', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const result = await runCli(['config', 'check', '--config', 'config.yaml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(': ok');
  });

  it('check lists schema problems, and once those are fixed unreadable secret files, exit 78', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { pgp: { passphraseFile: 'missing-passphrase' }, ack: { maxPerSenderPerDay: -1 } });
    const result = await runCli(['config', 'check', '--config', 'config.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('ack.maxPerSenderPerDay');
    // Schema problems stop before file checks; fix the schema problem and the file one shows.
    await writeCliConfig(dir, { pgp: { passphraseFile: 'missing-passphrase' } });
    const second = await runCli(['config', 'check', '--config', 'config.yaml'], { cwd: dir });
    expect(second.code).toBe(78);
    expect(second.stderr).toContain('pgp.passphraseFile: cannot read');
  });

  it('print shows the resolved configuration and never a secret value', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const result = await runCli(['config', 'print', '--config', 'config.yaml'], {
      cwd: dir,
      env: { INTAKE_PGP_PASSPHRASE: 'correct-horse-battery', INTAKE_CONFIG: '' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('correct-horse-battery');
    expect(result.stdout).toContain('[redacted] (from env INTAKE_PGP_PASSPHRASE)');
    expect(result.stdout).toContain(`dir: ${path.join(dir, 'data')}`);
    expect(result.stdout).toContain('maxMessageBytes: 26214400');
  });

  it('uses INTAKE_CONFIG when --config is absent', async () => {
    const dir = await tempDir();
    const file = await writeCliConfig(dir);
    const result = await runCli(['config', 'check'], { cwd: dir, env: { INTAKE_CONFIG: file } });
    expect(result.stdout).toContain(`${file}: ok`);
    expect(await readFile(file, 'utf8')).toContain('XYZ-CERT');
  });
});
