import type { MessageRecord, TicketRecord } from '../model/message-record.js';

/**
 * The JSON document one webhook delivery carries (DESIGN §3 `handoff.webhooks`):
 * `{id, event, occurredAt, ticket, message?}` where `ticket` is ticket.json and
 * `message` is message.json — never decrypted text. message.json holds no body, but of a
 * message whose content came out of a ciphertext it does quote a few strings of the
 * plaintext: the protected Subject, the answers of a reporting form, attachment and
 * literal-packet file names. Those are removed here and named in `redacted`, so a chat
 * or SOAR endpoint learns that an encrypted report arrived, its verdicts, classification
 * and indicators, but never words the reporter only meant the team to read.
 */
export type WebhookEvent = 'ticket.created' | 'message.added' | 'ticket.closed' | 'ticket.reopened';

export interface WebhookDocument {
  /** Unique per event; receivers use it to drop a repeated delivery. */
  id: string;
  event: WebhookEvent;
  occurredAt: string;
  ticket: TicketRecord;
  message?: MessageRecord;
  /** JSON paths removed from `message` because they quote decrypted text. */
  redacted?: string[];
}

export interface WebhookInput {
  id: string;
  event: WebhookEvent;
  occurredAt: Date;
  ticket: TicketRecord;
  message?: MessageRecord | null;
}

export function webhookDocument(input: WebhookInput): WebhookDocument {
  const document: WebhookDocument = {
    id: input.id,
    event: input.event,
    occurredAt: input.occurredAt.toISOString(),
    ticket: input.ticket,
  };
  if (input.message) {
    const { message, redacted } = withoutPlaintext(input.message);
    document.message = message;
    if (redacted.length > 0) document.redacted = redacted;
  }
  return document;
}

/** The exact bytes that are signed and sent. */
export function webhookBody(input: WebhookInput): Buffer {
  return Buffer.from(JSON.stringify(webhookDocument(input)), 'utf8');
}

function withoutPlaintext(message: MessageRecord): { message: MessageRecord; redacted: string[] } {
  if (message.encryption.status !== 'decrypted') return { message, redacted: [] };
  const redacted: string[] = [];
  const copy: MessageRecord = structuredClone(message);
  if (copy.headers.innerSubject) {
    copy.headers.innerSubject = null;
    redacted.push('headers.innerSubject');
  }
  if (copy.form && Object.keys(copy.form.fields ?? {}).length > 0) {
    copy.form = { ...copy.form, fields: {} };
    redacted.push('form.fields');
  }
  if (copy.attachments.some((a) => a.filename !== null)) {
    copy.attachments = copy.attachments.map((a) => ({ ...a, filename: null }));
    redacted.push('attachments[].filename');
  }
  if (copy.encryption.parts?.some((p) => p.literalFilename !== null)) {
    copy.encryption.parts = copy.encryption.parts.map((p) => ({ ...p, literalFilename: null }));
    redacted.push('encryption.parts[].literalFilename');
  }
  return { message: copy, redacted };
}
