import type { MessageRecord } from '../model/message-record.js';
import { SAFE_PARSER_OPTIONS } from '../pipeline/stages/parse-mime.js';
import { htmlToPlainText } from './text/html-to-text.js';

/**
 * What the reporter wrote, read back from a committed message: the decrypted text when
 * there was a decryption, else the text of the message as received. PGP/MIME plaintext is
 * a MIME entity (RFC 3156 §4); inline PGP plaintext is the text itself; an encrypted
 * attachment leaves the outer text as the report. HTML-only reports are turned into
 * text. The caller escapes it for wherever it goes (terminal, RT).
 */
export type ReportSource = 'decrypted' | 'plain' | 'undecrypted';

export interface ReportText {
  source: ReportSource;
  text: string;
}

export async function readReportText(record: MessageRecord, raw: Buffer, decrypted: Buffer | null, maxChars: number): Promise<ReportText> {
  const encryption = record.encryption;
  if (encryption.status === 'decrypted' && decrypted) {
    if (encryption.format === 'inline') return { source: 'decrypted', text: decrypted.toString('utf8').slice(0, maxChars) };
    if (encryption.format === 'pgp-mime') return { source: 'decrypted', text: await mimeText(decrypted, maxChars) };
  }
  const source: ReportSource = encryption.status === 'failed' ? 'undecrypted' : encryption.status === 'decrypted' ? 'decrypted' : 'plain';
  return { source, text: await mimeText(raw, maxChars) };
}

async function mimeText(bytes: Buffer, maxChars: number): Promise<string> {
  try {
    // Imported here: the hand-off targets that call this are built by every process that opens the app.
    const { simpleParser } = await import('mailparser');
    const mail = await simpleParser(bytes, SAFE_PARSER_OPTIONS);
    if (mail.text) return mail.text.slice(0, maxChars);
    return typeof mail.html === 'string' ? htmlToPlainText(mail.html, maxChars) : '';
  } catch {
    // An unparseable message (its ticket says so) is shown as the bytes it is.
    return bytes.toString('utf8').slice(0, maxChars);
  }
}
