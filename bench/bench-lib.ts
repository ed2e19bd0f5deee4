import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { openApp, type App } from '../src/app.js';
import { parseConfig } from '../src/config/load-config.js';
import type { Config } from '../src/config/schema.js';
import { createTeamKey } from '../src/keys/create-team-key.js';
import type { MessageRecord } from '../src/model/message-record.js';
import { fileTransport } from '../src/model/transport.js';

/**
 * The CLI as `npm start` and the installed bin run it: the bundle (scripts/bundle.mjs), not
 * tsc's per-module output, so the process benches measure what operators run.
 */
export const INTAKE_MAIN = path.resolve(import.meta.dirname, '../intake/main.js');

/**
 * Shared helpers for `npm run bench` sections. Each section is its own script, run in a
 * child process by run-bench.ts so that its peak RSS is its own; it prints one JSON
 * object of figures on stdout.
 */
export interface BenchWorkspace {
  dir: string;
  config: Config;
  app: App;
  cleanup(): Promise<void>;
}

/** `daemon: true` builds the app as `intake serve` does (e.g. OpenPGP workers with `auto`). */
export async function benchWorkspace(overrides: Record<string, unknown> = {}, { daemon = false } = {}): Promise<BenchWorkspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-'));
  const document = {
    team: {
      name: 'XYZ-CERT',
      ticketPrefix: 'XYZ',
      addresses: ['cert@xyz.example'],
      ackFrom: 'cert@xyz.example',
      timezone: 'Europe/Berlin',
    },
    smtp: { enabled: false },
    log: { level: 'warn', file: null },
    ...overrides,
  };
  const config = parseConfig(path.join(dir, 'bench.yaml'), YAML.stringify(document), dir);
  // As an operator would before the first start (intake keys generate).
  await access(config.pgp.privateKeyFile).catch(() => createTeamKey(config, { passphrase: null, expiresInSeconds: 0, date: new Date() }));
  const app = await openApp({ config, logger: pino({ level: 'warn' }), env: {}, daemon });
  return { dir, config, app, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export function report(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A plain-text report of about `bytes` bytes, unique per `n` (so dedup never hits). */
export function plainReport(n: number, bytes = 4096): Buffer {
  const head = [
    `From: Reporter ${n} <reporter${n % 50}@example.org>`,
    'To: cert@xyz.example',
    `Subject: Incident report ${n}: scanning from 192.0.2.${n % 250}`,
    `Message-ID: <bench-${n}-${process.pid}@example.org>`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    '',
  ].join('\r\n');
  let body = `Report number ${n}.\r\n`;
  let line = 0;
  while (Buffer.byteLength(head + body) < bytes) {
    body += `Nov 23 09:${String(line % 60).padStart(2, '0')}:00 host sshd[${1000 + line}]: Failed password for root from 198.51.100.${line % 250} port ${40000 + line}\r\n`;
    line++;
  }
  return Buffer.from(head + body);
}

/** A complete message record of about 2 KB (the size of a real report's message.json), for the store benches. */
export function benchRecord(ticket: string, seq: number, sha256: string, at: Date): MessageRecord {
  const hosts = () => ({ ips: [], cidrs: [], domains: [] });
  const from = `reporter${seq % 50}@example.org`;
  return {
    ticket, seq, sha256, receivedAt: at.toISOString(), size: 4096,
    transport: fileTransport(from, ['cert@xyz.example']),
    headers: { messageId: `<bench.${sha256.slice(0, 16)}@example.org>`, from, to: 'cert@xyz.example', subject: 'Encrypted report', date: at.toUTCString(), subjectDecoded: 'Encrypted report' },
    from: { address: from, valid: true, count: 1, problem: null },
    parse: { status: 'ok', error: null },
    encryption: { status: 'decrypted', format: 'pgp-mime', wrapped: false, error: null },
    signature: { status: 'valid', coverage: 'whole', signers: [{ fingerprint: 'A'.repeat(40), keyId: 'A'.repeat(16), status: 'valid', reason: null, created: at.toISOString(), flags: [], userIds: [`Reporter <${from}>`] }], fromMatchesSigner: true },
    urgent: { flag: false, reason: null },
    form: { template: 'free-text', fields: { notes: { value: 'n'.repeat(900), raw: 'n'.repeat(900) } }, warnings: [] },
    classification: [{ class: 'intrusion-attempts', type: 'brute-force', rule: 'ssh' }],
    indicators: { ips: ['198.51.100.7', '203.0.113.9'], cidrs: [], domains: ['victim.example'], cves: [], urls: [], hashes: { md5: [], sha1: [], sha256: [], sha512: [] }, declared: { affected: hosts(), sources: hosts() }, candidates: hosts() },
    tlp: null,
    priority: { rank: 3, rule: 'brute-force' },
    attachments: [],
    threading: { kind: 'new', senderKnown: true },
    ack: { sent: false, suppressedReason: null, file: null, status: 'queued', messageId: `ack.${ticket}@xyz.example`, encrypted: true, sentAt: null, error: null, onDuty: null },
  } as unknown as MessageRecord;
}
