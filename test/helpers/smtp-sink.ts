import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/**
 * A loopback SMTP sink standing in for the outbound relay: records every transaction's
 * envelope (MAIL FROM, each RCPT with its DSN NOTIFY) and message, and can refuse the
 * first `failFirst` messages with a 4xx, refuse recipients with a 5xx, or hold the
 * reply to DATA (to kill a sender mid-transaction). Port 0: the OS picks a free port.
 */
export interface SinkMessage {
  mailFrom: string;
  rcptTo: Array<{ address: string; notify: string[] | null }>;
  raw: Buffer;
}

export interface SinkOptions {
  failFirst?: number;
  failCode?: number;
  rejectRecipients?: boolean;
  /** Never answer DATA: the client waits until it is killed. */
  holdData?: boolean;
}

export interface Sink {
  port: number;
  /** Messages accepted with 250. */
  messages: SinkMessage[];
  /** Complete DATA transfers, accepted or refused. */
  attempts: number;
  options: SinkOptions;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const sink: Sink = {
    port: 0,
    messages: [],
    attempts: 0,
    options,
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the SMTP sink');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideDSN: false,
    logger: false,
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      if (sink.options.rejectRecipients) return callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.attempts++;
        if (sink.options.holdData) return; // never answer
        if (sink.attempts <= (sink.options.failFirst ?? 0)) {
          return callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: sink.options.failCode ?? 451 }));
        }
        const envelope = session.envelope;
        sink.messages.push({
          mailFrom: envelope.mailFrom === false ? '(none)' : envelope.mailFrom.address,
          rcptTo: envelope.rcptTo.map((r) => ({ address: r.address, notify: (r as { dsn?: { notify?: string[] } }).dsn?.notify ?? null })),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  // A sender killed mid-connection (the crash tests SIGKILL intake serve) resets it: smtp-server reports that as an
  // 'error' event on the server, which is the sender's fate, not the sink's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server.server.address() as { port: number }).port;
  return sink;
}
