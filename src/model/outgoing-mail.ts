/**
 * A message csirt-intake itself sends: the acknowledgement to a reporter, or the
 * notification of an urgent report to the on-duty address. Composed CPU-only from our
 * own facts (compose-ack), written to the outbox before the message is committed.
 */
/** `reply`: an operator's answer (`intake reply`), queued by the CLI, delivered by the same sender. */
export type OutgoingKind = 'ack' | 'on-duty' | 'reply';

export interface OutgoingMail {
  kind: OutgoingKind;
  /** The one envelope recipient (RFC 3834 §3.1.3: one recipient per automatic response). */
  recipient: string;
  /** Without angle brackets. */
  messageId: string;
  encrypted: boolean;
  /** The complete RFC 5322 message, 7-bit, CRLF line ends. */
  raw: Buffer;
}
