import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import YAML from 'yaml';
import { loadAckTemplates } from '../src/compose/ack-template.js';
import { loadReportKnowledge } from '../src/report/knowledge.js';
import { parseConfig } from '../src/config/load-config.js';
import { sha256Hex } from '../src/model/digest.js';
import pino from 'pino';
import { loadKeyring } from '../src/keys/keyring.js';
import { hardenedOpenpgpConfig } from '../src/openpgp/openpgp-config.js';
import { readTeamKey } from '../src/keys/team-key.js';
import { initialDraft, type Draft } from '../src/model/draft.js';
import { fileTransport } from '../src/model/transport.js';
import type { KeyMaterial, StageContext } from '../src/pipeline/stage.js';
import { parseMime } from '../src/pipeline/stages/parse-mime.js';
import { unwrapOpenpgp } from '../src/pipeline/stages/unwrap-openpgp.js';
import { pgpContextFor } from '../src/openpgp/pgp-context.js';
import { inlineSandbox } from '../src/sandbox/inline-sandbox.js';
import { outerLimits } from '../src/pipeline/stages/parse-mime.js';

/**
 * Shared by the OpenPGP bench sections: the fixture keys (a Cv25519 and an RSA-3072
 * team key and reporter), a corpus of PGP/MIME encrypted+signed reports, and the two
 * pipeline stages that decrypt, verify and parse (parse-mime, unwrap-openpgp), in this thread.
 */
export const KEYS_DIR = path.resolve(import.meta.dirname, '../../fixtures/keys');
export type Algo = 'cv25519' | 'rsa3072';
export const SETUP: Record<Algo, { team: string; reporter: string; from: string }> = {
  cv25519: { team: 'team', reporter: 'alice', from: 'Alice Reporter <alice@example.org>' },
  rsa3072: { team: 'team-rsa', reporter: 'bob', from: 'Bob Reporter <bob@example.net>' },
};

export async function stageContext(algo: Algo): Promise<StageContext & { keys: KeyMaterial }> {
  const config = parseConfig(
    'bench.yaml',
    YAML.stringify({
      team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example' },
      pgp: { privateKeyFile: path.join(KEYS_DIR, `${SETUP[algo].team}.sec.asc`), keyringDir: path.join(KEYS_DIR, 'constituents') },
    }),
    process.cwd(),
  );
  const team = await readTeamKey(config.pgp.privateKeyFile, null);
  const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, team.isRsa));
  const keys = { team, keyring };
  const report = await loadReportKnowledge(config);
  return {
    config,
    now: () => new Date(),
    keys,
    lookups: { ticketExists: async () => false, ticketByMessageId: async () => null, correspondents: async () => [], reporter: async () => null, firstCiphertext: async () => null },
    templates: await loadAckTemplates(config),
    sandbox: inlineSandbox(() => ({ pgp: pgpContextFor({ config, keys }), report, outer: outerLimits(config) })),
  };
}

/** A ~4 KB report as a MIME entity: the payload of PGP/MIME (RFC 3156 §4). */
export function reportEntity(n: number, bytes = 4096): string {
  let body = `Report number ${n}: SSH brute force against our hosts.\r\n`;
  for (let line = 0; Buffer.byteLength(body) < bytes - 120; line++) {
    body += `Nov 23 09:${String(line % 60).padStart(2, '0')}:00 host sshd[${1000 + line}]: Failed password for root from 198.51.100.${(n + line) % 250} port ${40000 + line}\r\n`;
  }
  return `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`;
}

/** Encrypted to the team key and signed by the reporter, wrapped as multipart/encrypted. */
export async function encryptedReport(algo: Algo, n: number, entity: string): Promise<{ message: Buffer; armored: string }> {
  const signer = await openpgp.readPrivateKey({ armoredKey: await readFile(path.join(KEYS_DIR, 'secret', `${SETUP[algo].reporter}.sec.asc`), 'utf8') });
  const team = await openpgp.readKey({ armoredKey: await readFile(path.join(KEYS_DIR, `${SETUP[algo].team}.pub.asc`), 'utf8') });
  const armored = await openpgp.encrypt({ message: await openpgp.createMessage({ text: entity, format: 'utf8' }), encryptionKeys: team, signingKeys: signer, date: new Date(Date.now() - 60_000) });
  const boundary = `bench-${n}`;
  const message = [
    `From: ${SETUP[algo].from}`, 'To: cert@xyz.example', `Subject: Encrypted report ${n}`, `Message-ID: <bench-pgp-${n}@example.org>`, 'MIME-Version: 1.0',
    `Content-Type: multipart/encrypted; boundary="${boundary}"; protocol="application/pgp-encrypted"`, '',
    `--${boundary}`, 'Content-Type: application/pgp-encrypted', '', 'Version: 1', '',
    `--${boundary}`, 'Content-Type: application/octet-stream; name="encrypted.asc"', '', armored.replace(/\r?\n/g, '\r\n'),
    `--${boundary}--`, '',
  ].join('\r\n');
  return { message: Buffer.from(message), armored };
}

/** What the pipeline does to open one message: parse-mime, then unwrap-openpgp. */
export async function openReport(raw: Buffer, ctx: StageContext): Promise<Draft> {
  const message = { receiptId: 'bench', raw, sha256: sha256Hex(raw), receivedAt: new Date(), transport: fileTransport('reporter@example.org', ['cert@xyz.example']) };
  return unwrapOpenpgp(await parseMime(initialDraft(message), ctx), ctx);
}

/** Seconds `gpg --decrypt`, spawned once per message, takes for `armored` (`parallel` at a time): the baseline. */
export async function gpgDecrypt(algo: Algo, armored: string[], parallel: number): Promise<number> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-gpg-'));
  const gpg = ['--homedir', home, '--batch', '--quiet', '--no-tty', '--trust-model', 'always'];
  execFileSync('gpg', [...gpg, '--import', path.join(KEYS_DIR, `${SETUP[algo].team}.sec.asc`), path.join(KEYS_DIR, 'constituents', `${SETUP[algo].reporter}.asc`)], { stdio: 'ignore' });
  await run(gpg, armored[0]!); // warm-up: gpg-agent start
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < armored.length) await run(gpg, armored[next++]!);
  }));
  const seconds = (performance.now() - started) / 1000;
  execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  await rm(home, { recursive: true, force: true });
  return seconds;
}

function run(gpg: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', [...gpg, '--decrypt'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let status = '';
    child.stderr.on('data', (chunk) => (status += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gpg --decrypt exited ${code}: ${status.slice(0, 200)}`))));
    child.stdin.end(input);
  });
}
