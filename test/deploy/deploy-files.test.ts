import { execFile, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { waitFor } from '../helpers/archive-scan.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const UNIT = path.join(ROOT, 'deploy/systemd/csirt-intake.service');
const LOGROTATE = path.join(ROOT, 'deploy/logrotate/csirt-intake');
const run = promisify(execFile);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** `Key=value` lines of a unit file (the last one wins, as for systemd's single-valued keys). */
async function unitSettings(): Promise<Map<string, string>> {
  const settings = new Map<string, string>();
  for (const line of (await readFile(UNIT, 'utf8')).split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1]!, match[2]!);
  }
  return settings;
}

describe('deploy/: the systemd unit, the logrotate file and the production configuration (issue 13 item 7)', () => {
  it('the unit: a dedicated user, restart on failure, NoNewPrivileges, ProtectSystem=strict with the archive the only writable path', async () => {
    const unit = await unitSettings();
    expect(unit.get('User')).toBe('intake');
    expect(unit.get('Group')).toBe('intake');
    expect(unit.get('ExecStart')).toBe('/opt/csirt-intake/bin/intake serve');
    expect(unit.get('Environment')).toBe('INTAKE_CONFIG=/etc/csirt-intake/intake.yaml');
    expect(unit.get('Restart')).toBe('on-failure');
    expect(unit.get('RestartPreventExitStatus')?.split(' ')).toEqual(expect.arrayContaining(['73', '77', '78']));
    expect(unit.get('NoNewPrivileges')).toBe('yes');
    expect(unit.get('ProtectSystem')).toBe('strict');
    expect(unit.get('StateDirectory')).toBe('csirt-intake');
    expect(unit.get('RuntimeDirectory')).toBe('csirt-intake');
    // Nothing else is writable: no ReadWritePaths, no other state directories.
    for (const key of ['ReadWritePaths', 'LogsDirectory', 'CacheDirectory', 'ConfigurationDirectory']) expect(unit.has(key), key).toBe(false);
    expect(unit.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('the production configuration loads and uses the paths the unit, logrotate and the MTA snippets use', async () => {
    const { config } = await loadConfig(path.join(ROOT, 'deploy/intake.yaml'), '/var/lib/csirt-intake');
    expect(config.archive.dir).toBe('/var/lib/csirt-intake'); // StateDirectory=csirt-intake
    expect(path.dirname(config.lmtp.socket!)).toBe('/run/csirt-intake'); // RuntimeDirectory=csirt-intake
    expect(config.pgp.privateKeyFile.startsWith('/etc/csirt-intake/keys/')).toBe(true);
    expect(config.log.file!.startsWith(`${config.archive.dir}/`)).toBe(true);
    const rotated = (await readFile(LOGROTATE, 'utf8')).split('\n').find((l) => l.endsWith('{'))!.replace('{', '').trim();
    expect(rotated).toBe(config.log.file);
    for (const snippet of ['deploy/postfix/master.cf', 'deploy/exim/csirt-intake.conf']) {
      expect(await readFile(path.join(ROOT, snippet), 'utf8')).toContain('/opt/csirt-intake/bin/intake ingest --config /etc/csirt-intake/intake.yaml');
    }
    expect(await readFile(path.join(ROOT, 'deploy/postfix/main.cf'), 'utf8')).toContain(config.lmtp.socket);
  });

  it('systemd-analyze verify accepts the unit, and rates its exposure OK', async (context) => {
    if (!has('systemd-analyze')) {
      context.skip('skipped: systemd-analyze is not installed (Debian package systemd; scripts/ensure-test-tools.sh installs it)');
      return;
    }
    // The same unit, with ExecStart pointing at this checkout's launcher (verify checks that it is executable).
    const dir = await tempDir();
    const copy = path.join(dir, 'csirt-intake.service');
    await writeFile(copy, (await readFile(UNIT, 'utf8')).replace('/opt/csirt-intake/bin/intake', path.join(ROOT, 'bin/intake')));
    const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    // Other units on this machine may draw warnings; none may concern ours.
    expect(verify.stderr.split('\n').filter((l) => l.includes('csirt-intake'))).toEqual([]);
    expect(verify.status, verify.stderr).toBe(0);
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
    const level = /Overall exposure level for csirt-intake\.service: ([\d.]+) (\w+)/.exec(security.stdout);
    expect(level, security.stdout + security.stderr).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2.0);
  });

  it('logrotate with the shipped file: the log is moved, intake serve gets SIGHUP and writes on in a new 0640 file', async (context) => {
    if (!has('logrotate')) {
      context.skip('skipped: logrotate is not installed (scripts/ensure-test-tools.sh installs it)');
      return;
    }
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { log: { level: 'info', file: 'data/logs/intake.log' } }));
    const port = await serve.smtpPort();
    const send = async (token: string) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
      await transport.sendMail({ envelope: { from: 'alice@example.org', to: ['cert@xyz.example'] }, raw: `From: alice@example.org\r\nSubject: ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\n${token}\r\n` });
      transport.close();
    };
    await send('before-rotation');
    const logFile = path.join(dir, 'data/logs/intake.log');
    await waitFor(async () => (await readFile(logFile, 'utf8')).includes('"report processed"'), 'the first report in the log');
    // The shipped file for this test's paths: its log path, this machine's user instead of
    // `intake` (which does not exist here), and the signal sent to this serve's pid.
    const owner = process.getuid?.() === 0 ? 'root root' : `${process.env.USER ?? 'root'} ${process.env.USER ?? 'root'}`;
    const shipped = await readFile(LOGROTATE, 'utf8');
    const conf = shipped
      .replaceAll('/var/lib/csirt-intake/logs/intake.log', logFile)
      .replace('su intake intake', `su ${owner}`)
      .replace('create 0640 intake intake', `create 0640 ${owner}`)
      .replace(/systemctl kill --kill-who=main --signal=HUP csirt-intake\.service/, `kill -HUP ${serve.child.pid}`);
    expect(conf).not.toContain('systemctl'); // the postrotate line was found and replaced
    const confFile = path.join(dir, 'logrotate.conf');
    await writeFile(confFile, conf, { mode: 0o644 });
    await run('logrotate', ['-f', '-s', path.join(dir, 'logrotate.state'), confFile]);
    await serve.waitForLine((l) => l.msg === 'SIGHUP: log file reopened; re-reading keys', 'the reopen');
    await send('after-rotation');
    await waitFor(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('"report processed"'), 'the second report in the new file');
    expect((await readFile(`${logFile}.1`, 'utf8')).match(/"report processed"/g)).toHaveLength(1);
    expect((await readFile(logFile, 'utf8')).match(/"report processed"/g)).toHaveLength(1);
    expect((await stat(logFile)).mode & 0o777).toBe(0o640);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});
