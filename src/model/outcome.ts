import type { IntakeError } from './errors.js';

/**
 * What happened to one received message. Every transport maps this once:
 * SMTP 250/451/550, IMAP move or leave, `intake ingest` exit code 0/75.
 * Like rt-mailgate there are three exits: success, retry later, reject.
 */
export type MessageStatus = 'new' | 'followup' | 'duplicate';

export type Outcome =
  | { kind: 'archived'; ticket: string; seq: number; status: MessageStatus }
  | { kind: 'retry'; error: IntakeError }
  | { kind: 'reject'; error: IntakeError };
