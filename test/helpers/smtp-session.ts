import net from 'node:net';

/**
 * A raw SMTP client over a real loopback socket, for what ordinary clients will not do:
 * bare line endings, smuggling payloads, stalling, trickling, idling. Replies are
 * parsed per RFC 5321 §4.2 (multi-line `250-…` up to the final `250 …`).
 */
export interface Reply {
  code: number;
  text: string;
}

export class SmtpSession {
  readonly socket: net.Socket;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<SmtpSession> {
    return SmtpSession.open(() => net.connect(port, host));
  }

  /** The same over a Unix socket (the LMTP listener's). */
  static connectUnix(file: string): Promise<SmtpSession> {
    return SmtpSession.open(() => net.connect(file));
  }

  private static open(connect: () => net.Socket): Promise<SmtpSession> {
    return new Promise((resolve, reject) => {
      const socket = connect();
      socket.once('connect', () => resolve(new SmtpSession(socket)));
      socket.once('error', reject);
    });
  }

  /** The next complete reply; rejects after `timeoutMs` or when the server closed first. */
  async reply(timeoutMs = 20_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.takeReply();
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms; unread: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends one command line (CRLF added) and returns its reply. */
  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** EHLO, MAIL FROM, RCPT TO, DATA: returns the reply to DATA (354 when all went well). */
  async startData(from: string, to: string): Promise<Reply> {
    await this.reply(); // greeting
    await this.command('EHLO client.example');
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return mail;
    const rcpt = await this.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return rcpt;
    return this.command('DATA');
  }

  /** Resolves when the server has closed the connection. */
  closed(timeoutMs = 20_000): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private takeReply(): Reply | null {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = this.buffer.indexOf('\r\n', offset);
      if (end === -1) return null;
      const line = this.buffer.slice(offset, end);
      offset = end + 2;
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        this.buffer = this.buffer.slice(offset);
        return { code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join('\n') };
      }
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
