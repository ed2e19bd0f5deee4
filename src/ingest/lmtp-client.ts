import net from 'node:net';

/** One server reply (RFC 5321 §4.2): the code and the text of its lines. */
export interface LmtpReply {
  code: number;
  text: string;
}

/** No LMTP server answered in time on the socket: the caller does the work itself. */
export class Unreachable extends Error {
  override readonly name = 'Unreachable';
}

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * A minimal LMTP client (RFC 2033) over a Unix socket, for `intake ingest` handing its
 * message to the daemon. Hand-written because it needs a private MAIL FROM parameter
 * (lmtp-handoff.ts) that nodemailer's SMTP client cannot send, and because it must cost
 * next to nothing to load. Every wait has a deadline; anything unexpected — a closed
 * socket, a garbled or oversized reply, a timeout — is `Unreachable`.
 */
export class LmtpClient {
  private buffer = '';
  private pending: Array<(reply: LmtpReply | Error) => void> = [];
  private replies: LmtpReply[] = [];
  /** Lines of a multi-line reply (`250-…`) read so far. */
  private partial: string[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.read(chunk));
    socket.on('error', (error) => this.fail(new Unreachable(`socket error: ${error.message}`)));
    socket.on('close', () => this.fail(new Unreachable('the server closed the connection')));
  }

  static connect(socketPath: string, timeoutMs: number): Promise<LmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Unreachable('connect timed out'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new LmtpClient(socket));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(Object.assign(new Unreachable(`cannot connect: ${error.code ?? error.message}`), { code: error.code }));
      });
    });
  }

  /** The next reply from the server. */
  reply(timeoutMs: number): Promise<LmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = this.pending.filter((p) => p !== settle);
        this.close();
        reject(new Unreachable(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (result: LmtpReply | Error): void => {
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      this.pending.push(settle);
    });
  }

  /** Sends one command line (CRLF added) and returns its reply. */
  command(line: string, timeoutMs: number): Promise<LmtpReply> {
    this.socket.write(`${line}\r\n`, 'latin1');
    return this.reply(timeoutMs);
  }

  /** Sends raw bytes (the dot-stuffed message and its final dot). */
  write(data: Buffer): void {
    this.socket.write(data);
  }

  /** Closes without a word: for a peer that is not the daemon, which is told nothing at all. */
  abandon(): void {
    this.socket.destroy();
  }

  /** QUIT without waiting for its answer, then close. */
  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end('QUIT\r\n');
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_REPLY_BYTES) return this.fail(new Unreachable('oversized reply'));
    const lines: string[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n')) !== -1) {
      lines.push(this.buffer.slice(0, end).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(end + 1);
    }
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const match = /^(\d{3})([ -])(.*)$/.exec(line);
    if (!match) return this.fail(new Unreachable('garbled reply'));
    this.partial.push(match[3]!);
    if (match[2] === '-') return;
    const reply = { code: Number(match[1]), text: this.partial.join('\n') };
    this.partial = [];
    const waiter = this.pending.shift();
    if (waiter) waiter(reply);
    else this.replies.push(reply);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.pending.splice(0)) waiter(error);
    this.socket.destroy();
  }
}

/** RFC 5321 §4.5.2: a line starting with "." gets one more; the message ends with CRLF "." CRLF. */
export function dotStuff(wire: Buffer): Buffer {
  const text = wire.toString('latin1');
  const stuffed = (text.startsWith('.') ? '.' : '') + text.replaceAll('\r\n.', '\r\n..');
  return Buffer.from(`${stuffed}.\r\n`, 'latin1');
}
