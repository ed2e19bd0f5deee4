/**
 * How a message reached us. `mailFrom` is the envelope sender (SMTP MAIL FROM or the
 * Return-Path header): '' is the null sender `<>`, null means unknown.
 */
export type TransportKind = 'smtp' | 'imap' | 'file';

export interface TransportInfo {
  kind: TransportKind;
  mailFrom: string | null;
  rcptTo: string[];
  remoteAddress: string | null;
  imapUid: number | null;
  imapUidValidity?: string | null;
  tls?: boolean;
  heloName?: string | null;
}

export function fileTransport(mailFrom: string | null, rcptTo: string[]): TransportInfo {
  return { kind: 'file', mailFrom, rcptTo, remoteAddress: null, imapUid: null };
}
