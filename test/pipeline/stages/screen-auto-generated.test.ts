import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../../src/model/transport.js';
import { createTestApp, runPipelineOn } from '../../helpers/pipeline.js';

/**
 * The RFC 3834 suppression matrix (docs/research/security.md §5; pigeonhole's vacation
 * reply.svtest cases plus the extra ones), through the real pipeline: each row is one
 * message, its envelope sender and extra header fields, and the reason that must land in
 * message.json `ack.suppressedReason` — null meaning an ack is queued in the outbox.
 */
interface Row {
  name: string;
  mailFrom?: string | null;
  headers?: string[];
  ack?: { enabled?: boolean };
  reason: string | null;
}

const ORDINARY = 'alice@example.org';

const rows: Row[] = [
  // pigeonhole reply.svtest, one for one
  { name: 'no reply to own address', mailFrom: 'cert@xyz.example', reason: 'own-address' },
  { name: 'no reply to a mailing list (List-ID, -bounces+ envelope)', mailFrom: 'dev-bounces+alice=example.org@lists.example.org', headers: ['List-ID: <dev.lists.example.org>'], reason: 'system-address' },
  { name: 'no reply to a mailing list (List-ID, ordinary envelope)', headers: ['List-ID: <dev.lists.example.org>'], reason: 'list-header' },
  { name: 'no reply to Precedence: bulk', headers: ['Precedence: bulk'], reason: 'precedence' },
  { name: 'no reply to Auto-submitted: yes', headers: ['Auto-submitted: yes'], reason: 'auto-submitted' },
  { name: 'no reply to a system address (-request)', mailFrom: 'dev-request@lists.example.org', reason: 'system-address' },
  { name: 'reply to Auto-submitted: no and Precedence: normal', headers: ['Auto-Submitted: no', 'Precedence: normal'], reason: null },
  // envelope
  { name: 'null sender <>', mailFrom: '', reason: 'null-sender' },
  { name: 'unknown envelope sender', mailFrom: null, reason: 'no-envelope-sender' },
  { name: 'MAILER-DAEMON', mailFrom: 'MAILER-DAEMON@mx.example.org', reason: 'system-address' },
  { name: 'mailer-daemon in lower case', mailFrom: 'mailer-daemon@mx.example.org', reason: 'system-address' },
  { name: 'postmaster', mailFrom: 'Postmaster@example.org', reason: 'system-address' },
  { name: 'owner-*', mailFrom: 'owner-x@lists.example.org', reason: 'system-address' },
  { name: '*-request', mailFrom: 'x-request@lists.example.org', reason: 'system-address' },
  { name: 'LISTSERV', mailFrom: 'LISTSERV@lists.example.org', reason: 'system-address' },
  { name: 'majordomo', mailFrom: 'majordomo@lists.example.org', reason: 'system-address' },
  { name: 'own ackFrom in another case', mailFrom: 'CERT@XYZ.EXAMPLE', reason: 'own-address' },
  { name: 'not an address', mailFrom: 'not an address', reason: 'invalid-envelope-sender' },
  { name: 'two at-signs', mailFrom: 'a@b@example.org', reason: 'invalid-envelope-sender' },
  { name: 'CR/LF in the envelope', mailFrom: 'alice@example.org\r\nBcc: x@example.org', reason: 'invalid-envelope-sender' },
  { name: 'non-ASCII local part (no SMTPUTF8 in acks)', mailFrom: 'jürgen@example.org', reason: 'invalid-envelope-sender' },
  // Auto-Submitted (RFC 3834 §5)
  { name: 'Auto-Submitted: auto-replied', headers: ['Auto-Submitted: auto-replied'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted: auto-generated', headers: ['Auto-Submitted: auto-generated'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted with parameters', headers: ['Auto-Submitted: auto-replied; owner-email="x@example.org"'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted with a comment (pigeonhole)', headers: ['Auto-Submitted: auto-replied (vacation)'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted in odd case', headers: ['auto-submitted: AUTO-NOTIFIED'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted empty', headers: ['Auto-Submitted: '], reason: 'auto-submitted' },
  { name: 'two Auto-Submitted fields, both no', headers: ['Auto-Submitted: no', 'Auto-Submitted: no'], reason: 'auto-submitted' },
  { name: 'Auto-Submitted: no with a comment', headers: ['Auto-Submitted: No (written by a person)'], reason: null },
  // Precedence, any case
  { name: 'Precedence: junk', headers: ['Precedence: junk'], reason: 'precedence' },
  { name: 'Precedence: LIST', headers: ['Precedence: LIST'], reason: 'precedence' },
  { name: 'Precedence: Bulk', headers: ['Precedence: Bulk'], reason: 'precedence' },
  { name: 'Precedence: first-class', headers: ['Precedence: first-class'], reason: null },
  // each List-* header on its own
  ...['List-Id', 'List-Help', 'List-Subscribe', 'List-Unsubscribe', 'List-Post', 'List-Owner', 'List-Archive', 'List-Unsubscribe-Post'].map(
    (name): Row => ({ name: `${name} alone`, headers: [`${name}: <mailto:x@lists.example.org>`], reason: 'list-header' }),
  ),
  // X-Auto-Response-Suppress (Microsoft)
  { name: 'X-Auto-Response-Suppress: All', headers: ['X-Auto-Response-Suppress: All'], reason: 'auto-response-suppress' },
  { name: 'X-Auto-Response-Suppress: OOF', headers: ['X-Auto-Response-Suppress: OOF'], reason: 'auto-response-suppress' },
  { name: 'X-Auto-Response-Suppress: DR, AutoReply', headers: ['X-Auto-Response-Suppress: DR, AutoReply'], reason: 'auto-response-suppress' },
  { name: 'X-Auto-Response-Suppress: DR, RN (receipts only)', headers: ['X-Auto-Response-Suppress: DR, RN'], reason: null },
  // loops
  { name: 'our own loop header', headers: ['X-CSIRT-Intake-Loop: XYZ-CERT'], reason: 'loop-header' },
  { name: 'another csirt-intake team', headers: ['X-CSIRT-Intake-Loop: ABC-CERT'], reason: 'loop-header' },
  { name: 'X-Loop naming our address', headers: ['X-Loop: cert@xyz.example'], reason: 'loop-header' },
  { name: 'X-Loop naming someone else', headers: ['X-Loop: helpdesk@example.org'], reason: null },
  // switched off
  { name: 'acks disabled', ack: { enabled: false }, reason: 'disabled' },
  { name: 'acks disabled, auto-submitted says more', ack: { enabled: false }, headers: ['Auto-Submitted: auto-replied'], reason: 'auto-submitted' },
  // ordinary mail with other reply targets: still an ack (to the envelope only)
  { name: 'ordinary mail', reason: null },
  { name: 'Reply-To, Sender and From elsewhere', headers: ['Reply-To: <other@example.net>', 'Sender: <third@example.com>'], reason: null },
];

function message(row: Row, n: number): Buffer {
  return Buffer.from(
    [
      `From: Alice <alice@example.org>`,
      'To: cert@xyz.example',
      `Subject: Scanning from 192.0.2.${n}`,
      `Message-ID: <row-${n}@example.org>`,
      ...(row.headers ?? []),
      '',
      `Our IDS saw host 192.0.2.${n} scanning port 22 all night long.`,
      '',
    ].join('\r\n'),
  );
}

describe('screen-auto-generated: who gets an acknowledgement', () => {
  it.each(rows.map((row, n) => [row.name, row, n] as const))('%s', async (_name, row, n) => {
    const t = await createTestApp({ ack: { enabled: row.ack?.enabled ?? true } });
    const mailFrom = row.mailFrom === undefined ? ORDINARY : row.mailFrom;
    const run = await runPipelineOn(t, message(row, n), { transport: fileTransport(mailFrom, ['cert@xyz.example']) });
    expect(run.record?.ack.suppressedReason).toBe(row.reason);
    const outbox = (await t.app.store.outbox.list({ failed: false })).map((e) => e.key);
    if (row.reason === null) {
      expect(run.record?.ack).toMatchObject({ status: 'queued', sent: false });
      expect(outbox.filter((key) => key.endsWith('.ack'))).toHaveLength(1);
      const entry = await t.app.store.outbox.get(`${run.record!.ticket}.001.ack`);
      expect(entry?.recipient).toBe(mailFrom);
    } else {
      expect(run.record?.ack).toMatchObject({ status: 'suppressed', sent: false, messageId: null });
      expect(outbox).toEqual([]);
    }
    const line = t.logs.lines.find((l) => l.msg === 'report processed');
    expect(line?.ack).toBe(row.reason ?? 'queued');
  });
});
