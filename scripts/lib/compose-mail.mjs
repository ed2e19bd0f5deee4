// Shared by the fixture generators: messages composed by nodemailer's MailComposer, the
// MIME composer real senders use, with a fixed date and boundary so regenerating a
// fixture does not change its bytes.
import MailComposer from 'nodemailer/lib/mail-composer';

export const FIXTURE_DATE = new Date('2026-11-23T09:00:00Z');
export const CRLF = '\r\n';

export function compose(mail) {
  return new Promise((resolve, reject) => {
    new MailComposer({ date: FIXTURE_DATE, baseBoundary: 'fixture', ...mail }).compile().build((error, message) =>
      error ? reject(error) : resolve(message),
    );
  });
}

/** Prepends the Return-Path the final MTA adds: it is the envelope sender for ingest. */
export const withReturnPath = (sender, bytes) => Buffer.concat([Buffer.from(`Return-Path: <${sender}>${CRLF}`), bytes]);
