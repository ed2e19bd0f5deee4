import net from 'node:net';

/** Just enough SMTP client: send a line, read one (possibly multi-line) reply code. */
export class LineClient {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    // Commands go out at once, as an MTA's do (no Nagle delay behind the previous segment's ACK).
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<number> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  async reply(): Promise<number> {
    for (;;) {
      const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(this.buffer);
      if (match) {
        this.buffer = this.buffer.slice(match.index + match[0].length);
        return Number(match[1]);
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
