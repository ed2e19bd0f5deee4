import { SmtpSession } from './smtp-session.js';

/**
 * Concurrent SMTP clients behaving like sending MTAs: each keeps one connection and
 * sends messages from a shared list one after the other; a 4xx answer (back-pressure)
 * means "wait a moment and try the same message again". A connection that breaks ends
 * that client — the message it was sending has no answer, so it counts as not accepted.
 */
export interface BurstResult {
  /** Indexes of the messages that got `250`. */
  accepted: Set<number>;
  /** Indexes of the messages that never got `250`. */
  notAccepted: Set<number>;
  tempFailures: number;
}

export interface BurstOptions {
  clients: number;
  /** Called after each `250`, with the count so far (a test may kill the server here). */
  onAccepted?(count: number): void;
}

export async function smtpBurst(port: number, messages: string[], indexes: number[], options: BurstOptions): Promise<BurstResult> {
  const todo = [...indexes];
  const result: BurstResult = { accepted: new Set(), notAccepted: new Set(), tempFailures: 0 };
  const worker = async (): Promise<void> => {
    let session: SmtpSession;
    try {
      session = await SmtpSession.connect(port);
      await session.reply();
      await session.command('EHLO burst.example');
    } catch {
      return;
    }
    for (let index = todo.shift(); index !== undefined; index = todo.shift()) {
      try {
        while (!(await sendOne(session, messages[index]!))) {
          result.tempFailures++;
          await session.command('RSET');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        result.accepted.add(index);
        options.onAccepted?.(result.accepted.size);
      } catch {
        session.destroy();
        return;
      }
    }
    session.write('QUIT\r\n');
    session.destroy();
  };
  await Promise.all(Array.from({ length: options.clients }, worker));
  for (const index of indexes) if (!result.accepted.has(index)) result.notAccepted.add(index);
  return result;
}

/** true on 250, false on a 4xx to retry; throws on anything else or a broken connection. */
async function sendOne(session: SmtpSession, message: string): Promise<boolean> {
  for (const command of ['MAIL FROM:<reporter@example.org>', 'RCPT TO:<cert@xyz.example>', 'DATA']) {
    const reply = await session.command(command);
    if (reply.code >= 400 && reply.code < 500) return false;
    if (reply.code >= 500) throw new Error(`${command}: ${reply.code} ${reply.text}`);
  }
  session.write(`${message}.\r\n`);
  const reply = await session.reply();
  if (reply.code === 250) return true;
  if (reply.code >= 400 && reply.code < 500) return false;
  throw new Error(`DATA: ${reply.code} ${reply.text}`);
}
