import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { failInserts } from '../helpers/archive-scan.js';
import { startServe, writeServeConfig, type ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A report with LF line endings, as an MTA pipe delivers it. */
const report = (n: number, head = '') =>
  `${head}From: alice@example.org\nTo: cert@xyz.example\nSubject: report ${n}\nMessage-ID: <handoff-${n}@example.org>\n\nScanning from 192.0.2.${n}.\n.leading dot line\n`;

interface Setup {
  dir: string;
  socket: string;
  serve: ServeProcess | null;
}

/** A configuration with the LMTP socket; `intake serve` running unless `daemon: false`. */
async function setup({ daemon = true, overrides = {} }: { daemon?: boolean; overrides?: Record<string, unknown> } = {}): Promise<Setup> {
  const dir = await tempDir();
  const socket = path.join(dir, 'run', 'lmtp.sock');
  await writeServeConfig(dir, { smtp: { enabled: false }, lmtp: { enabled: true, socket: 'run/lmtp.sock' }, ...overrides });
  if (!daemon) return { dir, socket, serve: null };
  const serve = startServe(dir, path.join(dir, 'config.yaml'));
  await serve.waitForLine((l) => l.msg === 'lmtp listener started', 'the LMTP listener');
  return { dir, socket, serve };
}

const ingest = (s: Setup, args: string[], input: string) => runCli(['ingest', '--config', 'config.yaml', ...args], { cwd: s.dir, input });

async function record(s: Setup, ticket: string) {
  const show = await runCli(['tickets', 'show', ticket, '--json', '--config', 'config.yaml'], { cwd: s.dir });
  return JSON.parse(show.stdout).messages[0] as { sha256: string; transport: Record<string, unknown> };
}

/** The pid of the process that logged "report processed" for a ticket (the daemon or `intake ingest`). */
async function processedBy(s: Setup, ticket: string): Promise<number> {
  const lines = (await readFile(path.join(s.dir, 'data/logs/intake.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  return lines.find((l) => l.msg === 'report processed' && l.ticket === ticket)?.pid;
}

describe('intake ingest hands the message to a running intake serve (LMTP socket)', () => {
  it('the daemon processes it; stdout, bytes and record are what local processing gives', async () => {
    const s = await setup();
    const raw = report(1, 'Return-Path: <bounce@example.org>\n');
    const result = await ingest(s, [], raw);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    expect(await processedBy(s, 'XYZ-2026-00001')).toBe(s.serve!.child.pid);
    const handed = await record(s, 'XYZ-2026-00001');
    // LF line endings and the leading dot come back byte for byte; the envelope as ingest records it.
    expect(handed.sha256).toBe(sha256(raw));
    expect(handed.transport).toMatchObject({ kind: 'file', mailFrom: 'bounce@example.org', rcptTo: [], remoteAddress: null });

    // The same bytes processed locally later are the same message: one ticket, not two.
    s.serve!.child.kill('SIGTERM');
    expect(await s.serve!.exited).toBe(0);
    const again = await ingest(s, [], raw);
    expect(JSON.parse(again.stdout)).toEqual({ ticket: 'XYZ-2026-00001', seq: 1, status: 'duplicate' });
  });

  it('passes --sender and --recipient as the envelope, an unknown sender as unknown, CRLF bytes unchanged', async () => {
    const s = await setup();
    const first = await ingest(s, ['--sender', '<reporter@example.org>', '--recipient', 'CERT@xyz.example'], report(2));
    expect(JSON.parse(first.stdout).ticket).toBe('XYZ-2026-00001');
    expect((await record(s, 'XYZ-2026-00001')).transport).toMatchObject({ kind: 'file', mailFrom: 'reporter@example.org', rcptTo: ['CERT@xyz.example'] });
    const crlf = report(3).replaceAll('\n', '\r\n');
    const second = await ingest(s, [], crlf);
    expect(JSON.parse(second.stdout).ticket).toBe('XYZ-2026-00002');
    const unknown = await record(s, 'XYZ-2026-00002');
    expect(unknown.transport).toMatchObject({ mailFrom: null, rcptTo: [] });
    expect(unknown.sha256).toBe(sha256(crlf));
    expect(await processedBy(s, 'XYZ-2026-00002')).toBe(s.serve!.child.pid);
    const nullSender = await ingest(s, ['--sender', ''], report(4));
    expect((await record(s, JSON.parse(nullSender.stdout).ticket)).transport).toMatchObject({ mailFrom: '' });
  });

  it('loads no library at all: neither the pipeline, the keys, the configuration schema, the command-line parser nor (once its parse is cached) YAML', async () => {
    const s = await setup();
    const recorder = path.resolve(import.meta.dirname, '../helpers/record-imports.mjs');
    const packagesOf = async (n: number, args: string[]) => {
      const file = path.join(s.dir, `imports-${n}.txt`);
      const result = await runCli([...args, '--sender', 'reporter@example.org', '-'], { cwd: s.dir, input: report(n), env: { NODE_OPTIONS: `--import=${recorder}`, INTAKE_TEST_IMPORTS: file } });
      expect(JSON.parse(result.stdout).status).toBe('new');
      return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    };
    // The first run may parse the configuration file (and caches the parse by content).
    expect(await packagesOf(12, ['ingest', '--config', 'config.yaml'])).not.toContain('commander');
    expect(await packagesOf(13, ['ingest', '--config', 'config.yaml'])).toEqual([]);
    expect(await packagesOf(14, ['--config', 'config.yaml', 'ingest'])).toEqual([]);
    // Edited, the file is parsed anew: the cache is by content.
    const config = await readFile(path.join(s.dir, 'config.yaml'), 'utf8');
    await writeFile(path.join(s.dir, 'config.yaml'), `${config}\n# edited ${process.pid} ${Math.random()}\n`);
    expect(await packagesOf(15, ['ingest', '--config', 'config.yaml'])).toEqual(['yaml']);
    // Any other form of the command line goes through commander, with the same result.
    expect(await packagesOf(16, ['ingest', '--config=config.yaml'])).toContain('commander');
  });

  it('exits 75 with the daemon\'s temporary refusal, and does not process the message itself', async () => {
    const s = await setup();
    // The daemon cannot write to its store: it answers 451.
    await failInserts(path.join(s.dir, 'data'), 'receipt');
    const result = await ingest(s, [], report(5));
    expect(result.code).toBe(75);
    expect(JSON.parse(result.stdout)).toEqual({ ticket: null, seq: null, status: 'retry', error: 'daemon-tempfail' });
  });

  it('refuses like local processing does: 67 without a team recipient, 65 over the size limit', async () => {
    for (const daemon of [true, false]) {
      const s = await setup({ daemon, overrides: { smtp: { enabled: false, maxMessageBytes: 4096 } } });
      const nobody = await ingest(s, ['--recipient', 'someone@elsewhere.example'], report(6));
      expect(nobody.code, `daemon ${daemon}`).toBe(67);
      expect(JSON.parse(nobody.stdout)).toEqual({ ticket: null, seq: null, status: 'rejected', error: 'unknown-recipient' });
      const big = await ingest(s, [], report(7) + 'x'.repeat(100).concat('\n').repeat(50));
      expect(big.code, `daemon ${daemon}`).toBe(65);
      expect(JSON.parse(big.stdout)).toMatchObject({ status: 'rejected', error: 'too-large' });
      // A team recipient among others: stored, only the team address recorded.
      const mixed = await ingest(s, ['--recipient', 'someone@elsewhere.example', '--recipient', 'cert@xyz.example'], report(8));
      expect(mixed.code, mixed.stderr).toBe(0);
      expect((await record(s, JSON.parse(mixed.stdout).ticket)).transport.rcptTo).toEqual(['cert@xyz.example']);
    }
  });
});

describe('intake ingest without a daemon answering processes the message itself', () => {
  it('when the socket is missing, left behind by a killed daemon, or belongs to another LMTP server', async () => {
    const s = await setup({ daemon: false });
    const missing = await ingest(s, [], report(9));
    expect(missing.code, missing.stderr).toBe(0);
    expect(JSON.parse(missing.stdout)).toEqual({ ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    expect(await processedBy(s, 'XYZ-2026-00001')).toBeGreaterThan(0);

    // A socket file nobody listens on (ECONNREFUSED).
    await mkdir(path.dirname(s.socket), { recursive: true });
    // A process that binds the socket and exits without closing it leaves the file, as a kill -9 does.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(s.socket)}, () => process.exit(0))`], (e) => (e ? reject(e) : resolve())),
    );
    expect((await stat(s.socket)).isSocket()).toBe(true);
    const refused = await ingest(s, [], report(10));
    expect(refused.code, refused.stderr).toBe(0);
    expect(JSON.parse(refused.stdout).status).toBe('new');

    // Something else answering LMTP on that path (not csirt-intake's greeting): never trusted with the mail.
    await rm(s.socket, { force: true });
    let delivered = false;
    const other = net.createServer((socket) => {
      socket.write('220 mail.example LMTP Dovecot ready\r\n');
      socket.on('data', () => (delivered = true));
    });
    await new Promise<void>((resolve) => other.listen(s.socket, resolve));
    try {
      const foreign = await ingest(s, [], report(11));
      expect(foreign.code, foreign.stderr).toBe(0);
      expect(JSON.parse(foreign.stdout)).toMatchObject({ ticket: 'XYZ-2026-00003', status: 'new' });
      expect(delivered).toBe(false);
    } finally {
      other.close();
    }
  });
});
