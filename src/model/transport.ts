/**
 * How a message reached us. `mailFrom` is the envelope sender (SMTP MAIL FROM or the
 * Return-Path header): '' is the null sender `<>`, null means unknown.
 */
/** `file`: `intake ingest` (an MTA pipe), whether it processed the message or handed it to the daemon. */
export type TransportKind = 'smtp' | 'lmtp' | 'imap' | 'file';

export interface TransportInfo {
  kind: TransportKind;
  mailFrom: string | null;
  rcptTo: string[];
  /** SMTP, LMTP over TCP: the connecting client's IP address (null on a Unix socket). */
  remoteAddress: string | null;
  imapUid: number | null;
  /** IMAP: UIDVALIDITY of the mailbox, as a decimal string (RFC 9051 §2.3.1.1: 32-bit unsigned). */
  imapUidValidity?: string | null;
  imapMailbox?: string | null;
  /** SMTP: whether the session was TLS-protected (STARTTLS) when DATA was sent. */
  tls?: boolean;
  /** SMTP, LMTP: the name the client gave in HELO/EHLO/LHLO (unverified). */
  heloName?: string | null;
  /** SMTP with `smtp.bareLineEndings: accept`: the DATA held a CR or LF outside CRLF. */
  bareLineEndings?: boolean;
}

export function fileTransport(mailFrom: string | null, rcptTo: string[]): TransportInfo {
  return { kind: 'file', mailFrom, rcptTo, remoteAddress: null, imapUid: null };
}
