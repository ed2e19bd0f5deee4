import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileTransport } from '../src/model/transport.js';
import { benchWorkspace, peakRssMiB, report, round } from './bench-lib.js';
import { encryptedReport, KEYS_DIR } from './openpgp-lib.js';

/**
 * Issue 3 figure: peak RSS of a fresh process taking one 20 MB encrypted report (an
 * ~11 MB log as a base64 attachment, encrypted and signed, armored: 20 MB on the wire)
 * through the whole pipeline — spool, parse, decrypt, verify, parse the payload, archive
 * — with the default limits (25 MiB message and decompression caps). The message is made
 * in a first process so that making it does not count.
 */
const [mode, file] = process.argv.slice(2);
if (mode === 'measure') {
  const workspace = await benchWorkspace({ pgp: { privateKeyFile: path.join(KEYS_DIR, 'team.sec.asc'), keyringDir: path.join(KEYS_DIR, 'constituents') } });
  const raw = await readFile(file!);
  const rssBeforeMiB = process.memoryUsage().rss / 1024 / 1024;
  const started = performance.now();
  const outcome = await workspace.app.ingest(raw, fileTransport('alice@example.org', ['cert@xyz.example']));
  const seconds = (performance.now() - started) / 1000;
  if (outcome.kind !== 'archived') throw new Error('large report not archived');
  const record = (await workspace.app.store.tickets.message(outcome.ticket, outcome.seq))?.record;
  if (record?.encryption.status !== 'decrypted' || record.signature.status !== 'valid') throw new Error('large report not opened');
  await workspace.app.stop();
  await workspace.cleanup();
  report({ section: 'openpgp-large', messageMiB: round(raw.length / 1024 / 1024), seconds: round(seconds, 2), rssBeforeMiB: round(rssBeforeMiB), peakRssMiB: peakRssMiB() });
} else {
  const attachment = Buffer.alloc(11_000_000);
  for (let i = 0; i < attachment.length; i++) attachment[i] = 32 + ((i * 7919) % 95);
  const entity = [
    'Content-Type: multipart/mixed; boundary="large"', '', '--large', 'Content-Type: text/plain; charset=utf-8', '', 'Full log attached.', '--large',
    'Content-Type: application/octet-stream; name="auth.log"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="auth.log"', '',
    attachment.toString('base64').replace(/.{76}/g, '$&\r\n'), '--large--', '',
  ].join('\r\n');
  const { message } = await encryptedReport('cv25519', 0, entity);
  const target = path.join(os.tmpdir(), `intake-bench-large-${process.pid}.eml`);
  await writeFile(target, message);
  try {
    process.stdout.write(execFileSync(process.execPath, [import.meta.filename, 'measure', target], { stdio: ['ignore', 'pipe', 'inherit'] }));
  } finally {
    await rm(target, { force: true });
  }
}
