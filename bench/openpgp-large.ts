import { peakRssMiB, report, round } from './bench-lib.js';
import { encryptedReport, openReport, stageContext } from './openpgp-lib.js';

/**
 * Issue 3 figure: peak RSS while opening one 20 MB encrypted report (a ~14.5 MB log as a
 * base64 attachment, encrypted and signed, armored: 20 MB on the wire), with the limits
 * of the default configuration (25 MiB message and decompression caps).
 */
const attachment = Buffer.alloc(14_500_000);
for (let i = 0; i < attachment.length; i++) attachment[i] = 32 + ((i * 7919) % 95);
const base64 = attachment.toString('base64').replace(/.{76}/g, '$&\r\n');
const entity = [
  'Content-Type: multipart/mixed; boundary="large"', '', '--large', 'Content-Type: text/plain; charset=utf-8', '', 'Full log attached.', '--large',
  'Content-Type: application/octet-stream; name="auth.log"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="auth.log"', '',
  base64, '--large--', '',
].join('\r\n');
const { message } = await encryptedReport('cv25519', 0, entity);
const ctx = await stageContext('cv25519');
const baseline = process.memoryUsage().rss / 1024 / 1024;
const started = performance.now();
const draft = await openReport(message, ctx);
const seconds = (performance.now() - started) / 1000;
if (draft.encryption.status !== 'decrypted' || draft.body.attachments[0]?.content.length !== attachment.length) throw new Error('large report not opened');
report({
  section: 'openpgp-large',
  messageMiB: round(message.length / 1024 / 1024),
  seconds: round(seconds, 2),
  rssBeforeMiB: round(baseline),
  peakRssMiB: peakRssMiB(),
});
