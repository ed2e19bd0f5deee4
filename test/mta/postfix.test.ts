import { chmod, chown, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { installedPackage, REPO, type InstalledPackage } from '../helpers/installed-package.js';
import { eventually, startPostfix, type Postfix } from '../helpers/postfix.js';
import { startServe } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TEST_TEAM } from '../helpers/test-config.js';
import { swaks } from '../helpers/smtp-app.js';

/**
 * Debian's Postfix delivering to csirt-intake as the README sets it up: (a) a pipe(8)
 * transport calling the installed bin (npm install -g --prefix) as an unprivileged user,
 * (b) its lmtp(8) client on intake serve's Unix socket. Postfix takes the mail over SMTP
 * from swaks on loopback; nothing here talks to csirt-intake but Postfix.
 */
const NOBODY = 65534;
const running: Postfix[] = [];
afterEach(async () => {
  for (const postfix of running.splice(0)) await postfix.stop();
});

let pkg: InstalledPackage;
beforeAll(async () => {
  pkg = await installedPackage();
}, 600_000);

const report = (token: string) =>
  ['From: Alice <alice@example.org>', 'To: cert@xyz.example', `Subject: Scan report ${token}`, `Message-ID: <${token}@example.org>`, '', `The host 192.0.2.7 is scanning us (${token}).`, ''].join('\r\n');

/**
 * The pipe service of deploy/postfix/master.cf and its main.cf setting, with this test's
 * paths and user instead of /opt/csirt-intake, /etc/csirt-intake and `intake`: the
 * shipped snippet is what runs.
 */
async function deployedPipe(bin: string, config: string): Promise<{ services: string; main: string[] }> {
  const master = await readFile(path.join(REPO, 'deploy/postfix/master.cf'), 'utf8');
  const service = /^intake\s+unix.*\n(?:[ \t]+.*\n)+/m.exec(master)?.[0];
  if (!service) throw new Error('deploy/postfix/master.cf has no intake pipe service');
  const mainCf = await readFile(path.join(REPO, 'deploy/postfix/main.cf'), 'utf8');
  return {
    services: service.replaceAll('/opt/csirt-intake/bin/intake', bin).replaceAll('/etc/csirt-intake/intake.yaml', config).replace('user=intake', 'user=nobody'),
    main: mainCf.split('\n').filter((line) => /^intake_/.test(line)),
  };
}

/** A working directory Postfix and the pipe's user can reach; keys, config and an archive owned by that user. */
async function workspace(overrides: (dir: string) => Record<string, unknown> = () => ({})): Promise<{ dir: string; config: string }> {
  const dir = await tempDir('intake-postfix-');
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'keys'));
  await cp(path.join(REPO, 'fixtures/keys/team.sec.asc'), path.join(dir, 'keys/team.sec.asc'));
  await cp(path.join(REPO, 'fixtures/keys/constituents'), path.join(dir, 'keys/constituents'), { recursive: true });
  for (const file of ['keys', 'keys/team.sec.asc', 'keys/constituents']) await chown(path.join(dir, file), NOBODY, NOBODY);
  const config = path.join(dir, 'intake.yaml');
  const document = {
    team: TEST_TEAM,
    pgp: { privateKeyFile: path.join(dir, 'keys/team.sec.asc'), keyringDir: path.join(dir, 'keys/constituents') },
    archive: { dir: path.join(dir, 'archive') },
    smtp: { enabled: false },
    log: { level: 'info', file: null },
    ...overrides(dir),
  };
  await writeFile(config, YAML.stringify(document));
  return { dir, config };
}

async function tickets(config: string, cwd: string): Promise<Array<{ id: string }>> {
  const listed = await runCli(['tickets', 'list', '--json', '--config', config], { cwd });
  return listed.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function messageOf(config: string, cwd: string, ticket: string) {
  const show = await runCli(['tickets', 'show', ticket, '--json', '--config', config], { cwd });
  return JSON.parse(show.stdout).messages[0] as { transport: Record<string, unknown> };
}

async function send(postfix: Postfix, dir: string, token: string): Promise<void> {
  const file = path.join(dir, `${token}.eml`);
  await writeFile(file, report(token));
  const sent = await swaks(postfix.port, ['--from', 'reporter@example.org', '--to', 'cert@xyz.example', '--data', file]);
  expect(sent.exitCode, sent.output).toBe(0);
}

describe.skipIf(process.getuid?.() !== 0)('Postfix → intake ingest (pipe transport, the installed bin)', () => {
  it('delivers through the pipe; an exit 75 is deferred by Postfix and delivered by a queue flush once the cause is gone', async () => {
    const { dir, config } = await workspace();
    // The archive directory belongs to root: the pipe's user cannot write it, so intake ingest exits 75.
    await mkdir(path.join(dir, 'archive'), { mode: 0o755 });
    const postfix = await startPostfix(path.join(dir, 'postfix'), { transport: 'intake:', ...(await deployedPipe(pkg.bin, config)) });
    running.push(postfix);

    await send(postfix, dir, 'pipe-deferred');
    const deferred = await eventually(async () => {
      const [entry] = await postfix.queue();
      return entry?.queue_name === 'deferred' ? entry : undefined;
    }, 'Postfix to defer the message');
    expect(deferred.recipients[0]?.delay_reason).toMatch(/temporary failure/i);
    expect(await postfix.log()).toMatch(/relay=intake.*status=deferred/);
    // (No `intake tickets list` here: run as root, it would create the store as root's.)

    // The cause goes away; Postfix retries on a flush and the message is delivered once.
    await chown(path.join(dir, 'archive'), NOBODY, NOBODY);
    await postfix.flush();
    await eventually(async () => ((await postfix.queue()).length === 0 ? true : undefined), 'the queue to empty');
    expect(await postfix.log()).toMatch(/relay=intake.*status=sent/);
    const [only, ...rest] = await tickets(config, dir);
    expect(rest).toEqual([]);
    const message = await messageOf(config, dir, only!.id);
    expect(message.transport).toMatchObject({ kind: 'file', mailFrom: 'reporter@example.org', rcptTo: ['cert@xyz.example'] });

    // A second message goes straight through.
    await send(postfix, dir, 'pipe-direct');
    await eventually(async () => ((await tickets(config, dir)).length === 2 ? true : undefined), 'the second ticket');
  });

  it('hands off to a running intake serve when lmtp.socket is set (the pipe process exits with its verdict)', async () => {
    // Absolute: the pipe runs in Postfix's working directory, and relative paths are relative to it.
    const { dir, config } = await workspace((d) => ({ lmtp: { enabled: true, socket: `${d}/run/lmtp.sock`, socketGroup: String(NOBODY), socketMode: '0660' } }));
    await mkdir(path.join(dir, 'archive'));
    await chown(path.join(dir, 'archive'), NOBODY, NOBODY);
    const serve = startServe(dir, config);
    await serve.waitForLine((l) => l.msg === 'lmtp listener started', 'the LMTP listener');
    await chmod(path.join(dir, 'run'), 0o755);
    const postfix = await startPostfix(path.join(dir, 'postfix'), { transport: 'intake:', ...(await deployedPipe(pkg.bin, config)) });
    running.push(postfix);
    await send(postfix, dir, 'pipe-handoff');
    const line = await serve.waitForLine((l) => l.msg === 'report processed', 'the daemon to process the handed-off message');
    expect(line).toMatchObject({ transport: 'file', mailFrom: 'reporter@example.org' });
    await eventually(async () => ((await postfix.log()).match(/relay=intake.*status=sent/) ? true : undefined), 'Postfix to log the delivery');
  });
});

describe.skipIf(process.getuid?.() !== 0)('Postfix → intake serve (lmtp transport on the Unix socket)', () => {
  it('delivers over LMTP with the ticket in the reply; while the daemon is down Postfix defers, and a flush delivers', async () => {
    const { dir, config } = await workspace((d) => ({ lmtp: { enabled: true, socket: `${d}/run/lmtp.sock`, socketGroup: 'postfix', socketMode: '0660' } }));
    await mkdir(path.join(dir, 'run'), { mode: 0o755 });
    const socket = path.join(dir, 'run/lmtp.sock');
    const postfix = await startPostfix(path.join(dir, 'postfix'), { transport: `lmtp:unix:${socket}` });
    running.push(postfix);

    // No daemon yet: nothing answers on the socket, the mail waits in Postfix's queue.
    await send(postfix, dir, 'lmtp-first');
    await eventually(async () => ((await postfix.queue())[0]?.queue_name === 'deferred' ? true : undefined), 'Postfix to defer');
    expect(await postfix.log()).toMatch(/status=deferred/);

    const serve = startServe(dir, config);
    await serve.waitForLine((l) => l.msg === 'lmtp listener started', 'the LMTP listener');
    await postfix.flush();
    await eventually(async () => ((await postfix.queue()).length === 0 ? true : undefined), 'the queue to empty');
    expect(await postfix.log()).toMatch(/status=sent \(250 2\.6\.0 stored as XYZ-\d{4}-00001 seq 1 \(new\)\)/);

    await send(postfix, dir, 'lmtp-second');
    await eventually(async () => ((await tickets(config, dir)).length === 2 ? true : undefined), 'the second delivery');
    expect(await postfix.log()).toMatch(/status=sent \(250 2\.6\.0 stored as XYZ-\d{4}-00002 seq 1 \(new\)\)/);
    const [first] = await tickets(config, dir);
    expect((await messageOf(config, dir, first!.id)).transport).toMatchObject({ kind: 'lmtp', rcptTo: ['cert@xyz.example'], remoteAddress: null });
  });
});
