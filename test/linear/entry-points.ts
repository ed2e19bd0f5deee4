import { loadReportKnowledge } from '../../src/report/knowledge.js';
import { initialDraft, type Draft, type ExtractedAttachment } from '../../src/model/draft.js';
import { readHeaders, type RawHeader } from '../../src/model/raw-headers.js';
import { parseStrictMailbox } from '../../src/model/strict-mailbox.js';
import { findArmorBlocks, htmlToArmorText, soleArmorBlock } from '../../src/openpgp/armor.js';
import { buildMimeTree, decodeBody } from '../../src/openpgp/mime-tree.js';
import { collectOfferedKeys } from '../../src/openpgp/offered-keys.js';
import { checkFrom, outerLimits, readOuterMessage } from '../../src/pipeline/stages/parse-mime.js';
import { envelopeReason, headerReason } from '../../src/pipeline/stages/screen-auto-generated.js';
import { readArf } from '../../src/report/formats/arf.js';
import { readIodef } from '../../src/report/formats/iodef.js';
import { readXArf } from '../../src/report/formats/x-arf.js';
import { readXarfJson } from '../../src/report/formats/xarf-json.js';
import { findIndicators } from '../../src/report/indicators/find-indicators.js';
import { parseHostAnswer } from '../../src/report/indicators/host-answer.js';
import { findUrls } from '../../src/report/indicators/urls.js';
import { htmlToPlainText } from '../../src/report/text/html-to-text.js';
import { prepareText } from '../../src/report/text/prepare-text.js';
import { understandReport } from '../../src/report/understand-report.js';
import { fileTransport } from '../../src/model/transport.js';
import { testConfig } from '../helpers/test-config.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Every parser entry point of sender-controlled text, in three groups (one test file
 * each, so they run side by side): each is fed every adversarial shape of
 * helpers/scaling.ts by scaling-*.test.ts.
 */
const config = testConfig(await tempDir());
const knowledge = await loadReportKnowledge(config, { cache: false });
const bytes = (text: string) => Buffer.from(text, 'latin1');
const header = (name: string, value: string): RawHeader[] => [{ name, value }];

function draftWith(body: { text?: string; html?: string | null; attachments?: ExtractedAttachment[] }, outerHeaders: RawHeader[] = []): Draft {
  const raw = Buffer.from('From: a@b.example\r\n\r\n');
  const draft = initialDraft({ receiptId: 's', raw, sha256: 'x', receivedAt: new Date(0), transport: fileTransport('a@b.example', ['cert@xyz.example']) });
  return { ...draft, outerHeaders, body: { text: body.text ?? '', html: body.html ?? null, attachments: body.attachments ?? [] } };
}
const attachment = (contentType: string, text: string, filename: string | null = null): ExtractedAttachment => ({ filename, contentType, content: Buffer.from(text), sha256: 'x' });
/** The splitter's own limits (header size, part count) end a parse with EMAXLEN: a verdict, not a hang. */
const tree = (raw: Buffer) => buildMimeTree(raw).catch((error: { code?: string }) => {
  if (error.code !== 'EMAXLEN') throw error;
  return null;
});
const multipart = (inner: string) => bytes(`Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${inner}\r\n--b--\r\n`);

type EntryPoints = Record<string, (input: string) => unknown>;

export const MIME_ENTRY_POINTS: EntryPoints = {
  'raw headers: a field value': (s) => readHeaders(bytes(`Subject: ${s}\r\n\r\n`)),
  'raw headers: a field name': (s) => readHeaders(bytes(`X${s}: v\r\n\r\n`)),
  'raw headers: the whole block': (s) => readHeaders(bytes(s)),
  'MIME tree: a body': (s) => tree(multipart(s)),
  'MIME tree: a delimiter line': (s) => tree(multipart(`x\r\n--b${s}`)),
  'MIME tree: a boundary parameter': (s) => tree(bytes(`Content-Type: multipart/mixed; boundary="${s}"\r\n\r\n--${s}\r\n\r\nx\r\n`)),
  'MIME tree: quoted-printable': (s) => tree(bytes(`Content-Transfer-Encoding: quoted-printable\r\n\r\n${s}`)).then((t) => t && decodeBody(t)),
  'MIME tree: base64': (s) => tree(bytes(`Content-Transfer-Encoding: base64\r\n\r\n${s}`)).then((t) => t && decodeBody(t)),
  'MIME parse (mailparser)': (s) => readOuterMessage(multipart(s), outerLimits(config)),
};

export const TEXT_ENTRY_POINTS: EntryPoints = {
  'armor search: text': (s) => findArmorBlocks(s),
  'armor search: after a BEGIN line': (s) => findArmorBlocks(`-----BEGIN PGP MESSAGE-----\n${s}`),
  'armor search: sole block': (s) => soleArmorBlock(`-----BEGIN PGP MESSAGE-----\n\n-----END PGP MESSAGE-----\n${s}`),
  'armor search: HTML': (s) => htmlToArmorText(s),
  'From parser: the field': (s) => checkFrom(header('From', s)),
  'From parser: a display name': (s) => parseStrictMailbox(`"${s}" <a@b.example>`),
  'From parser: a domain': (s) => parseStrictMailbox(`a@${s}`),
  'screening: X-Loop addresses': (s) => headerReason(header('X-Loop', s), config),
  'screening: Auto-Submitted': (s) => headerReason(header('Auto-Submitted', s), config),
  'screening: X-Auto-Response-Suppress': (s) => headerReason(header('X-Auto-Response-Suppress', s), config),
  'screening: envelope sender': (s) => envelopeReason(s, config),
  'Autocrypt: keydata': (s) => collectOfferedKeys(header('Autocrypt', `addr=a@b.example; keydata=${s}`), []),
  'Autocrypt: the whole value': (s) => collectOfferedKeys(header('Autocrypt', s), []),
  indicators: (s) => findIndicators(s),
  'URL trimming': (s) => findUrls(`http://a.example/${s}`),
  'host answer': (s) => parseHostAnswer(s),
};

export const REPORT_ENTRY_POINTS: EntryPoints = {
  'report text: prepared lines': (s) => prepareText({ text: s, html: null, attachments: [] }, 2 * 1024 * 1024),
  'report text: HTML only': (s) => htmlToPlainText(s, 2 * 1024 * 1024),
  'form parser and classification': (s) => understandReport(draftWith({ text: s }), knowledge),
  'form parser: an e-mail answer': (s) => understandReport(draftWith({ text: `Name: Lee\nEmail: ${s}\nSource IP: 192.0.2.1\n` }), knowledge),
  'form parser: a host answer': (s) => understandReport(draftWith({ text: `Name: Lee\nSource IP: ${s}\n` }), knowledge),
  'form parser: a date answer': (s) => understandReport(draftWith({ text: `Name: Lee\nDate: ${s}\nSource IP: 192.0.2.1\n` }), knowledge),
  'X-ARF: inline YAML': (s) => readXArf(draftWith({ text: `Reported-From: a@b.example\nCategory: abuse\nSource: ${s}\n` })),
  'X-ARF: report.txt': (s) => readXArf(draftWith({ attachments: [attachment('text/plain', `Reported-From: a@b.example\n${s}`, 'report.txt')] })),
  ARF: (s) => readArf(draftWith({ attachments: [attachment('message/feedback-report', `Feedback-Type: abuse\n${s}`)] })),
  'XARF JSON': (s) => readXarfJson(draftWith({ text: `{"xarf_version":"4.0.0","a":"${s}"}` })),
  IODEF: (s) => readIodef(draftWith({ text: `<IODEF-Document>${s}</IODEF-Document>` })),
};

