import { type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { storeOf } from '../helpers/archive-scan.js';
import { generateTeamKey } from '../../src/keys/team-key.js';
import { expectSignedByTeam } from '../helpers/ack-checks.js';
import { runCli, startCli, writeCliConfig } from '../helpers/cli.js';
import { gpgDecrypt } from '../helpers/openpgp-tools.js';
import { encryptedPayload } from '../helpers/pgp-mime.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The loop test of issue 4 (docs/research/security.md §5): two csirt-intake instances on
 * loopback, each the other's relay, each holding the other's team key as a curated
 * constituent key. One report from B's address to A starts it; A acknowledges B (signed
 * by A, encrypted to B's key), B archives that acknowledgement — and answers nothing:
 * the exchange stops after at most one ack each.
 */
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Instance {
  name: string;
  address: string;
  dir: string;
  config: string;
  port: number;
  secretKey: string;
  publicKey: string;
  fingerprint: string;
  store: ReturnType<typeof storeOf>;
}

async function instance(name: string, prefix: string, address: string, port: number): Promise<Instance> {
  const dir = await tempDir();
  const keys = await generateTeamKey({ name, email: address, passphrase: null, date: new Date(Date.now() - 3_600_000) });
  await mkdir(path.join(dir, 'keys', 'constituents'), { recursive: true });
  await writeFile(path.join(dir, 'keys', 'team.sec.asc'), keys.armoredPrivate, { mode: 0o600 });
  const fingerprint = (await import('openpgp')).readKey({ armoredKey: keys.armoredPublic }).then((k) => k.getFingerprint().toUpperCase());
  return {
    name,
    address,
    dir,
    config: '',
    port,
    secretKey: keys.armoredPrivate,
    publicKey: keys.armoredPublic,
    fingerprint: await fingerprint,
    store: storeOf(path.join(dir, 'data')),
  };
}

async function configure(self: Instance, prefix: string, peer: Instance): Promise<void> {
  await writeFile(path.join(self.dir, 'keys', 'constituents', 'peer.asc'), peer.publicKey);
  self.config = await writeCliConfig(self.dir, {
    team: { name: self.name, ticketPrefix: prefix, addresses: [self.address], ackFrom: self.address, timezone: 'UTC' },
    smtp: { enabled: true, host: '127.0.0.1', port: self.port },
    outbound: { mode: 'smtp', host: '127.0.0.1', port: peer.port, retryInitialSeconds: 0.2, retryMaxSeconds: 1, pollSeconds: 0.2 },
    log: { level: 'info', file: 'data/logs/intake.log' },
  });
}

async function serve(self: Instance): Promise<ChildProcess> {
  const child = startCli(['serve', '--config', self.config], { cwd: self.dir });
  children.push(child);
  child.stdout?.resume();
  child.stderr?.resume();
  await waitUntil(async () => (await connects(self.port)) || child.exitCode !== null);
  expect(child.exitCode).toBeNull();
  return child;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function acksOf(self: Instance): Promise<string[]> {
  return (await self.store.sent()).map((s) => s.name);
}

async function messagesOf(self: Instance) {
  return self.store.messages();
}

describe('two instances acknowledging each other', () => {
  it('stop after at most one ack each', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await instance('AAA-CERT', 'AAA', 'cert@a.example', portA);
    const b = await instance('BBB-CERT', 'BBB', 'cert@b.example', portB);
    await configure(a, 'AAA', b);
    await configure(b, 'BBB', a);
    const serveA = await serve(a);
    const serveB = await serve(b);

    // One report to A whose envelope sender is B's team address.
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: a.port, secure: false, ignoreTLS: true });
    await client.sendMail({
      envelope: { from: b.address, to: [a.address] },
      raw: `From: ${b.address}\r\nTo: ${a.address}\r\nSubject: Suspicious logins\r\nMessage-ID: <start@b.example>\r\n\r\nWe see logins from 192.0.2.50.\r\n`,
    });

    // A acknowledges to B through B's listener; B archives the ack as a message of its own.
    await waitUntil(async () => (await messagesOf(a))[0]?.ack.status === 'sent');
    await waitUntil(async () => (await messagesOf(b)).length === 1);
    // Several outbox passes of both: whatever would loop would have started by now.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    for (const [child, self] of [[serveA, a], [serveB, b]] as const) {
      child.kill('SIGTERM');
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
      expect(await self.store.outboxKeys()).toEqual([]);
    }
    expect(await acksOf(a)).toEqual(['AAA-2026-00001/001.eml']);
    expect(await acksOf(b)).toEqual([]);
    const [atA] = await messagesOf(a);
    const received = await messagesOf(b);
    expect(received).toHaveLength(1);
    expect(atA!.ack).toMatchObject({ status: 'sent', encrypted: true });
    // B saw A's ack for what it is: null sender, never answered; signed by A, whose key B holds.
    expect(received[0]!.transport.mailFrom).toBe('');
    expect(received[0]!.ack).toMatchObject({ status: 'suppressed', suppressedReason: 'null-sender' });
    expect(received[0]!.encryption.status).toBe('decrypted');
    expect(received[0]!.signature).toMatchObject({ status: 'valid', coverage: 'whole' });
    expect(received[0]!.signature.signers.map((s) => s.fingerprint)).toEqual([a.fingerprint]);

    // And gpg/sqop agree: B's copy decrypts with B's key and verifies against A's.
    const raw = (await b.store.raw('BBB-2026-00001', 1))!;
    const inner = await gpgDecrypt(encryptedPayload(raw), b.secretKey);
    expect(inner.code, inner.stderr).toBe(0);
    await expectSignedByTeam(inner.stdout, { fingerprint: a.fingerprint, publicKey: a.publicKey });

    // Had a relay replaced the null sender (and added its Received line), B's header
    // checks still refuse to answer.
    const file = path.join(b.dir, 'rewritten.eml');
    const relayed = Buffer.concat([
      Buffer.from('Received: from relay.example by mx.b.example; Mon, 23 Nov 2026 10:00:00 +0000\r\n'),
      (await a.store.sent()).find((s) => s.name === 'AAA-2026-00001/001.eml')!.raw,
    ]);
    await writeFile(file, relayed);
    const rewritten = await runCli(['ingest', '--config', b.config, '--sender', a.address, file], { cwd: b.dir });
    expect(rewritten.code).toBe(0);
    const again = (await messagesOf(b)).find((m) => m.transport.mailFrom === a.address);
    expect(again!.ack).toMatchObject({ status: 'suppressed', suppressedReason: 'auto-submitted' });
    expect(await b.store.outboxKeys()).toEqual([]);
  });
});
