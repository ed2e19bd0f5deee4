import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Counters } from '../log/counters.js';
import { escapeForLog } from '../log/escape.js';
import type { ReceivedMessage } from '../model/draft.js';
import type { Outcome } from '../model/outcome.js';
import type { TransportInfo } from '../model/transport.js';
import { returnPath } from './file-source.js';
import type { ImapSeen } from './imap-seen.js';

/** What the IMAP watcher needs from the app. */
export interface ImapIntake {
  accept(raw: Buffer, transport: TransportInfo): Promise<ReceivedMessage>;
  process(message: ReceivedMessage): Promise<Outcome>;
  /** Resolves when the work queue has room (back-pressure: IMAP waits instead of refusing). */
  waitForRoom(): Promise<void>;
}

export interface DrainContext {
  client: ImapFlow;
  imap: Config['imap'];
  intake: ImapIntake;
  seen: ImapSeen;
  logger: Logger;
  counters: Counters;
  /** Fetch failures per `uidValidity:uid`, across reconnects of this process. */
  fetchFailures: Map<string, number>;
  stopping(): boolean;
}

type Handled = 'done' | 'store-unavailable';

/**
 * One pass over `imap.mailbox`, oldest UID first. For each message: fetch by UID, write
 * it durably in the store, remember (UIDVALIDITY, UID), and only then MOVE it to
 * `processedMailbox` — the IMAP counterpart of SMTP's `250`. A message that can never be
 * taken (over the size limit, empty, or failing to fetch `maxFetchAttempts` times) goes
 * to `failedMailbox` with a log line, so it neither blocks the mailbox nor is lost.
 * Connection errors propagate: the watcher reconnects and the next pass resumes.
 */
export async function drainMailbox(ctx: DrainContext): Promise<void> {
  const mailbox = ctx.client.mailbox;
  if (!mailbox) throw new Error('no mailbox selected');
  const uidValidity = mailbox.uidValidity.toString();
  if (await ctx.seen.useUidValidity(uidValidity)) {
    ctx.logger.warn(
      { mailbox: ctx.imap.mailbox, uidValidity },
      'imap UIDVALIDITY changed: remembered UIDs dropped; messages still in the mailbox are read again (already archived ones count as duplicates)',
    );
  }
  const found = await ctx.client.search({ all: true }, { uid: true });
  if (!Array.isArray(found)) throw new Error('imap SEARCH failed');
  const uids = [...found].sort((a, b) => a - b);
  for (const uid of uids) {
    if (ctx.stopping()) break;
    await ctx.intake.waitForRoom();
    if ((await handleMessage(ctx, uid, uidValidity)) === 'store-unavailable') break;
  }
  await ctx.seen.retainOnly(uids);
}

async function handleMessage(ctx: DrainContext, uid: number, uidValidity: string): Promise<Handled> {
  const { client, imap } = ctx;
  if (ctx.seen.has(uid)) {
    // Spooled by an earlier pass whose MOVE never happened: finish that, fetch nothing.
    await client.messageMove(String(uid), imap.processedMailbox, { uid: true });
    ctx.counters.add('imap.moved-after-reconnect');
    return 'done';
  }
  const key = `${uidValidity}:${uid}`;
  if ((ctx.fetchFailures.get(key) ?? 0) >= imap.maxFetchAttempts) {
    await moveToFailed(ctx, uid, uidValidity, 'fetch-failed', null);
    return 'done';
  }
  const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
  if (!meta) return 'done'; // expunged meanwhile by someone else
  const size = meta.size ?? 0;
  if (size > imap.maxMessageBytes) {
    await moveToFailed(ctx, uid, uidValidity, 'too-large', size);
    return 'done';
  }
  if (size === 0) {
    await moveToFailed(ctx, uid, uidValidity, 'empty', size);
    return 'done';
  }

  const raw = await fetchSource(ctx, uid, key);
  if (!raw) return 'done';
  let spooled: ReceivedMessage;
  try {
    spooled = await ctx.intake.accept(raw, transportOf(raw, uid, uidValidity, imap.mailbox));
  } catch (error) {
    ctx.counters.add('imap.tempfail.store');
    ctx.logger.error({ uid, err: escapeForLog((error as Error).message, 300) }, 'cannot write to the store; the message stays in the mailbox');
    return 'store-unavailable';
  }
  await ctx.seen.remember(uid);
  ctx.intake.process(spooled).catch((error: Error) => {
    ctx.logger.error({ receipt: spooled.receiptId, err: escapeForLog(error.message, 300) }, 'imap: processing failed unexpectedly; message stays in the store');
  });
  await client.messageMove(String(uid), imap.processedMailbox, { uid: true });
  ctx.counters.add('imap.accepted');
  ctx.logger.debug({ uid, uidValidity, receipt: spooled.receiptId, bytes: raw.length }, 'imap message accepted');
  return 'done';
}

/** The message bytes, or null after a failed attempt (counted; the next pass tries again). */
async function fetchSource(ctx: DrainContext, uid: number, key: string): Promise<Buffer | null> {
  const countFailure = (): void => {
    ctx.fetchFailures.set(key, (ctx.fetchFailures.get(key) ?? 0) + 1);
  };
  let source: Buffer | undefined;
  try {
    // BODY.PEEK[]: reading does not set \Seen; the MOVE after the receive is our only mark.
    const message = await ctx.client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    source = message ? message.source : undefined;
  } catch (error) {
    countFailure(); // e.g. a literal over maxLiteralSize: the connection fails, we reconnect
    throw error;
  }
  if (!source || source.length === 0 || source.length > ctx.imap.maxMessageBytes) {
    countFailure();
    ctx.logger.warn({ uid, bytes: source?.length ?? 0 }, 'imap fetch returned no usable message; will try again');
    return null;
  }
  ctx.fetchFailures.delete(key);
  return source;
}

async function moveToFailed(ctx: DrainContext, uid: number, uidValidity: string, reason: string, size: number | null): Promise<void> {
  await ctx.client.messageMove(String(uid), ctx.imap.failedMailbox, { uid: true });
  ctx.fetchFailures.delete(`${uidValidity}:${uid}`);
  ctx.counters.add(`imap.failed.${reason}`);
  ctx.logger.warn(
    { uid, uidValidity, reason, size, limit: ctx.imap.maxMessageBytes, failedMailbox: ctx.imap.failedMailbox },
    'imap message cannot be processed; moved to the failed mailbox',
  );
}

function transportOf(raw: Buffer, uid: number, uidValidity: string, mailbox: string): TransportInfo {
  return {
    kind: 'imap',
    // The delivering MTA recorded the envelope sender as Return-Path (RFC 5321 §4.4).
    mailFrom: returnPath(raw),
    rcptTo: [],
    remoteAddress: null,
    imapUid: uid,
    imapUidValidity: uidValidity,
    imapMailbox: mailbox,
  };
}
