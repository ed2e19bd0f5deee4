import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { KEYS_DIR } from './openpgp-lib.js';

/**
 * The hostile messages of issue 11, built for `npm run bench -- hostile`: each class the
 * issue names, at the size it names. OpenPGP inputs are made with openpgp.js from the
 * fixture keys, then re-framed at the packet level (duplicated PKESK or signature packets,
 * one-byte partial-length chunks) — the golden fixtures of the same classes are made by
 * scripts/fixtures/hostile.mjs from gpg output.
 */
export interface HostileCase {
  name: string;
  /** What the attacker sends, in words (the table's first column). */
  shape: string;
  make(): Promise<Buffer>;
}

const HEAD = ['From: Mallory <mallory@example.net>', 'To: cert@xyz.example', 'Date: Mon, 23 Nov 2026 10:00:00 +0100', 'MIME-Version: 1.0'];

function message(headers: string[], body: string): Buffer {
  return Buffer.from([...HEAD, ...headers, '', body].join('\r\n'));
}

function multipart(subject: string, parts: string[]): Buffer {
  const boundary = 'hostile-boundary';
  const body = parts.map((p) => `--${boundary}\r\n${p}`).join('\r\n') + `\r\n--${boundary}--\r\n`;
  return message([`Subject: ${subject}`, `Content-Type: multipart/mixed; boundary="${boundary}"`], body);
}

async function teamKey(): Promise<openpgp.Key> {
  return openpgp.readKey({ armoredKey: await readFile(path.join(KEYS_DIR, 'team.pub.asc'), 'utf8') });
}

async function reporterKey(): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ armoredKey: await readFile(path.join(KEYS_DIR, 'secret', 'alice.sec.asc'), 'utf8') });
}

function armor(type: openpgp.enums.armor, bytes: Uint8Array): string {
  return openpgp.armor(type, bytes).replace(/\r?\n/g, '\r\n');
}

function encryptedPart(filename: string, armored: string): string {
  return `Content-Type: application/octet-stream; name="${filename}"\r\nContent-Disposition: attachment; filename="${filename}"\r\n\r\n${armored}`;
}

/** A message whose only content is `count` copies of one PKESK packet, then the data. */
async function manySessionKeys(count: number): Promise<Buffer> {
  const encrypted = (await openpgp.encrypt({ message: await openpgp.createMessage({ text: 'report' }), encryptionKeys: await teamKey(), format: 'binary' })) as Uint8Array;
  const first = packetLength(encrypted);
  const pkesk = encrypted.subarray(0, first);
  const out = new Uint8Array(pkesk.length * count + encrypted.length - first);
  for (let i = 0; i < count; i++) out.set(pkesk, i * pkesk.length);
  out.set(encrypted.subarray(first), pkesk.length * count);
  return message(['Subject: many session keys', 'Content-Type: text/plain'], armor(openpgp.enums.armor.message, out));
}

/** Header plus body length of the first packet (RFC 9580 §4.2: new format, as openpgp.js writes). */
function packetLength(bytes: Uint8Array): number {
  const first = bytes[1]!;
  if (first < 192) return 2 + first;
  if (first < 224) return 3 + ((first - 192) << 8) + bytes[2]! + 192;
  if (first === 255) return 6 + ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!);
  throw new Error('partial length in the first packet');
}

/** A PGP/MIME signed report whose detached signature holds `count` signature packets. */
async function manySignatures(count: number): Promise<Buffer> {
  const signed = 'Content-Type: text/plain\r\n\r\nReport: scanning from 192.0.2.7\r\n';
  const signature = await openpgp.sign({ message: await openpgp.createMessage({ text: signed, format: 'utf8' }), signingKeys: await reporterKey(), detached: true, format: 'binary' });
  const packet = signature as Uint8Array;
  const all = new Uint8Array(packet.length * count);
  for (let i = 0; i < count; i++) all.set(packet, i * packet.length);
  const boundary = 'signed-boundary';
  const body = [
    `--${boundary}`, signed.replace(/\r\n$/, ''), `--${boundary}`,
    'Content-Type: application/pgp-signature; name="signature.asc"', '', armor(openpgp.enums.armor.signature, all), `--${boundary}--`, '',
  ].join('\r\n');
  return message(['Subject: many signatures', `Content-Type: multipart/signed; boundary="${boundary}"; micalg=pgp-sha256; protocol="application/pgp-signature"`], body);
}

/** A literal data packet of `count` bytes, each in its own one-byte partial-length chunk (RFC 9580 §4.2.1.4). */
function partialChunks(count: number): Buffer {
  const head = new Uint8Array([0xc0 | 11]);
  const literalHeader = new Uint8Array([0x62, 0, 0, 0, 0, 0]); // 'b', no filename, date 0
  const payload = new Uint8Array(literalHeader.length + count);
  payload.set(literalHeader);
  payload.fill(0x41, literalHeader.length);
  const out = new Uint8Array(1 + payload.length * 2 + 1);
  out.set(head);
  let at = 1;
  for (let i = 0; i < payload.length - 1; i++) {
    out[at++] = 0xe0; // partial length 2^0 = 1 octet
    out[at++] = payload[i]!;
  }
  out[at++] = 1; // the last chunk is a normal one-octet length
  out[at++] = payload[payload.length - 1]!;
  return message(['Subject: partial chunks', 'Content-Type: text/plain'], armor(openpgp.enums.armor.message, out.subarray(0, at)));
}

/** `count` encrypted attachments, each a zlib bomb of `bytes` zeros (under the per-ciphertext cap). */
async function compressedAttachments(count: number, bytes: number): Promise<Buffer> {
  const key = await teamKey();
  const zeros = new Uint8Array(bytes);
  const parts: string[] = ['Content-Type: text/plain\r\n\r\nSee the attached logs.'];
  for (let i = 0; i < count; i++) {
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: zeros, filename: `log${i}.bin` }),
      encryptionKeys: key,
      config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
    });
    parts.push(encryptedPart(`log${i}.bin.asc`, (armored as string).replace(/\r?\n/g, '\r\n')));
  }
  return multipart('compressed attachments', parts);
}

/** A quoted-printable text body of about `bytes` bytes. */
function quotedPrintable(bytes: number): Buffer {
  const line = '=41=42=43=44=45=46=47=48=49=4A=4B=4C=4D=4E=4F=50=51=52=53=54=55=56=57=58=\r\n';
  return message(['Subject: quoted-printable', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], line.repeat(Math.floor(bytes / line.length)));
}

const text = (subject: string, body: string) => message([`Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-8'], body);

export const HOSTILE_CASES: HostileCase[] = [
  { name: 'html-lt', shape: 'HTML body of `<`, 146 KB', make: async () => message(['Subject: html', 'Content-Type: text/html'], '<'.repeat(146_000)) },
  { name: 'html-script', shape: 'HTML body of unclosed `<script`, 146 KB', make: async () => message(['Subject: html', 'Content-Type: text/html'], '<script>'.repeat(18_000)) },
  { name: 'header-spaces', shape: 'header: 117 KB of spaces, then a letter', make: async () => text(`x${' '.repeat(117_000)}y`, 'report') },
  { name: 'mime-delimiter', shape: 'MIME delimiter line: 150 KB of spaces, then a letter', make: async () => multipart('delimiter', [`Content-Type: text/plain\r\n\r\nreport\r\n--hostile-boundary${' '.repeat(150_000)}x`]) },
  { name: 'autocrypt', shape: 'Autocrypt keydata: 150 KB of spaces, then `!`', make: async () => message(['Subject: autocrypt', `Autocrypt: addr=mallory@example.net; keydata=${' '.repeat(150_000)}!`, 'Content-Type: text/plain'], 'report') },
  { name: 'report-line', shape: 'report line: 200 KB of spaces, then a letter', make: async () => text('report', `Scanning from 192.0.2.7${' '.repeat(200_000)}x\r\n`) },
  { name: 'url-trim', shape: 'URL followed by 2 KB of `.`, repeated to 200 KB', make: async () => text('urls', `http://a.example/${'.'.repeat(2000)}x\r\n`.repeat(100)) },
  { name: 'form-answer', shape: 'form answer: 150 KB of `.`/spaces, then a letter', make: async () => text('form', `Incident type: ${'. '.repeat(75_000)}x\r\nSource IP: 192.0.2.7\r\n`) },
  { name: 'session-keys', shape: '12,000 PKESK packets (1.5 MB)', make: () => manySessionKeys(12_000) },
  { name: 'signatures', shape: '10,000 signatures on one part', make: () => manySignatures(10_000) },
  { name: 'partial-chunks', shape: '3 million one-byte partial-length chunks', make: async () => partialChunks(3_000_000) },
  { name: 'compressed-attachments', shape: '40 encrypted attachments of compressed zeros (24 MiB each)', make: () => compressedAttachments(40, 24 * 1024 * 1024) },
  { name: 'quoted-printable', shape: 'quoted-printable body, 24 MB', make: async () => quotedPrintable(24 * 1024 * 1024) },
];
