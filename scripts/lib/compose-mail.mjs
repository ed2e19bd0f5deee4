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

/**
 * Replaces `dir` with one `<name>.eml` and `<name>.expected.json` per fixture (the
 * golden pairs the tests read); returns the number of files written.
 */
export async function writeGoldenFixtures(dir, fixtures) {
  const { mkdir, rm, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const fixture of fixtures) {
    await writeFile(path.join(dir, `${fixture.name}.eml`), fixture.bytes);
    await writeFile(path.join(dir, `${fixture.name}.expected.json`), `${JSON.stringify(fixture.expected, null, 2)}\n`);
  }
  return fixtures.length * 2;
}
