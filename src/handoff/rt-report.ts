import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import type { MessageRecord } from '../model/message-record.js';
import type { ReportText } from '../report/stored-report.js';

/**
 * What Request Tracker is given for one message: the report's text as content (decrypted
 * when it was encrypted — RT never sees the ciphertext, so its own GnuPG handling is not
 * involved), csirt-intake's verdicts as custom fields (those the team configured) and as
 * a comment any RT user can read. A report that could not be decrypted is not sent as
 * ciphertext: its content says so and points to the csirt-intake ticket.
 */
export function rtSubject(record: MessageRecord): string {
  const subject = record.headers.subjectDecoded?.trim();
  return escapeForLog(`[${record.ticket}] ${subject ? subject : '(no subject)'}`, 200);
}

export function rtContent(record: MessageRecord, report: ReportText): string {
  if (report.source === 'undecrypted') {
    return `This report could not be decrypted by csirt-intake (${record.encryption.error ?? 'unknown reason'}).\n` +
      `Its ciphertext stays in csirt-intake: intake tickets show ${record.ticket} --body --seq ${record.seq}\n`;
  }
  // NUL ends a string in too many places on RT's side (Perl XS, database drivers).
  return report.text.replace(/\u0000/g, '\ufffd');
}

export function signedBy(record: MessageRecord): string {
  const valid = record.signature.signers.filter((s) => s.status === 'valid' && s.fingerprint);
  return valid.length > 0 ? valid.map((s) => s.fingerprint).join(', ') : 'none';
}

/** Custom field name → value, for the fields named in handoff.rt.customFields. */
export function rtCustomFields(record: MessageRecord, names: NonNullable<Config['handoff']['rt']>['customFields']): Record<string, string> {
  const values: Record<keyof typeof names, string> = {
    ticket: record.ticket,
    signedBy: signedBy(record),
    signature: `${record.signature.status} (${record.signature.coverage})`,
    fromMatchesSigner: record.signature.signers.length === 0 ? 'no signature' : record.signature.fromMatchesSigner ? 'yes' : 'no',
    encryption: record.encryption.status === 'none' ? 'none' : `${record.encryption.status}${record.encryption.format ? ` (${record.encryption.format})` : ''}`,
  };
  const fields: Record<string, string> = {};
  for (const [fact, name] of Object.entries(names) as Array<[keyof typeof names, string | null]>) {
    if (name) fields[name] = values[fact];
  }
  return fields;
}

/** The verdict comment: what csirt-intake found about this message, in plain words. */
export function verdictComment(record: MessageRecord): string {
  const show = (value: string | null | undefined) => (value ? escapeForLog(value, 200) : '-');
  const lines = [
    `csirt-intake ${record.ticket} message ${record.seq}, received ${record.receivedAt} via ${record.transport.kind}`,
    `From: ${show(record.from.address)}${record.from.valid ? '' : ` (not a single valid address: ${show(record.from.problem)})`}; envelope sender: ${show(record.transport.mailFrom)}`,
    `Encryption: ${record.encryption.status}${record.encryption.format ? ` (${record.encryption.format})` : ''}${record.encryption.error ? `, ${show(record.encryption.error)}` : ''}`,
    `Signature: ${record.signature.status}, coverage ${record.signature.coverage}`,
  ];
  for (const s of record.signature.signers) {
    lines.push(`  signer ${s.fingerprint ?? `key ID ${s.keyId}`}: ${s.status}${s.reason ? ` (${show(s.reason)})` : ''}${s.userIds.length ? ` — ${s.userIds.map(show).join(', ')}` : ''}`);
  }
  if (record.signature.signers.length > 0) lines.push(`From matches signer: ${record.signature.fromMatchesSigner ? 'yes' : 'no'}`);
  if (record.encryption.wrapped) lines.push('Wrapped ciphertext: its plaintext is not attributed to the sender.');
  if (record.encryption.replayOf) lines.push(`Replayed ciphertext: first seen in ${record.encryption.replayOf.ticket} #${record.encryption.replayOf.seq}.`);
  if (!record.threading.senderKnown) lines.push('The sender is new to this ticket.');
  const classes = (record.classification ?? []).map((c) => `${c.class}/${c.type}`).join(', ');
  lines.push(`Classification: ${classes || '-'}; priority ${record.priority ? `${record.priority.rule} (${record.priority.rank})` : '-'}; TLP ${record.tlp ?? '-'}; urgent ${record.urgent.flag ? 'yes' : 'no'}`);
  return `${lines.join('\n')}\n`;
}
