import path from 'node:path';
import { fileTransport } from '../src/model/transport.js';
import { benchWorkspace, peakRssMiB, report, round } from './bench-lib.js';
import { encryptedReport, KEYS_DIR, reportEntity } from './openpgp-lib.js';

/**
 * The incumbent's workload through the whole pipeline, as `intake serve` runs it (OpenPGP
 * workers: auto): 200 PGP/MIME signed+encrypted ~4 KB reports from a constituent whose key
 * is in the curated keyring (Cv25519), each decrypted, verified, understood, ticketed,
 * archived with every fsync, and answered with a signed+encrypted acknowledgement.
 * docs/research/rt-anchor.md measured Request Tracker 5 + GnuPG on the same kind of corpus on
 * these machines: 1.3–1.8 msg/s sequential, 1.7–2.6 msg/s with 2 workers, 680–690 MiB.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 200);
const RT = { msgPerSecond: { low: 1.7, high: 2.6 }, peakRssMiB: 685 };

const workspace = await benchWorkspace(
  {
    pgp: { privateKeyFile: path.join(KEYS_DIR, 'team.sec.asc'), keyringDir: path.join(KEYS_DIR, 'constituents') },
    // Every report is acknowledged, as RT's queue does; the default limit is 10 per sender.
    ack: { maxPerSenderPerDay: COUNT + 1 },
  },
  { daemon: true },
);
const corpus = await Promise.all(Array.from({ length: COUNT }, (_, n) => encryptedReport('cv25519', n, reportEntity(n))));
const transport = fileTransport('alice@example.org', ['cert@xyz.example']);

const started = performance.now();
const outcomes = await Promise.all(corpus.map(({ message }) => workspace.app.ingest(message, transport)));
const seconds = (performance.now() - started) / 1000;

let decrypted = 0;
let acked = 0;
for (const outcome of outcomes) {
  if (outcome.kind !== 'archived') continue;
  const record = (await workspace.app.store.tickets.message(outcome.ticket, outcome.seq))?.record;
  if (record?.encryption.status === 'decrypted' && record.signature.status === 'valid') decrypted++;
  if (record?.ack.status === 'queued') acked++;
}
await workspace.app.stop();
await workspace.cleanup();

const perSecond = COUNT / seconds;
report({
  section: 'ingest-encrypted',
  node: process.version,
  messages: COUNT,
  decryptedAndValid: decrypted,
  acksQueued: acked,
  seconds: round(seconds, 2),
  messagesPerSecond: round(perSecond),
  peakRssMiB: peakRssMiB(),
  ratioVsRtParallel: `${round(perSecond / RT.msgPerSecond.high)}–${round(perSecond / RT.msgPerSecond.low)}×`,
  rssVsRt: round(peakRssMiB() / RT.peakRssMiB, 2),
});
