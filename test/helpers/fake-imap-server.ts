import net from 'node:net';
import { afterEach } from 'vitest';

/**
 * A hostile IMAP server on 127.0.0.1 for what Dovecot will never do: it holds one
 * message (UID 1, UIDVALIDITY 42) and answers every `BODY[]` fetch with `answerBody`
 * — e.g. a literal announcing 4 GiB (cf. CPython gh-119511), or a literal that never
 * arrives. Everything else gets just enough of RFC 9051 for imapflow. It records the
 * body fetches and MOVEs it saw.
 */
export interface FakeImapServer {
  port: number;
  bodyFetches: number;
  moves: string[];
  close(): Promise<void>;
}

export interface FakeImapOptions {
  /** The whole tagged answer to LOGIN after the tag (default: OK), e.g. a NO with hostile text. */
  loginAnswer?: string;
}

export async function startFakeImapServer(answerBody: (socket: net.Socket, tag: string) => void, options: FakeImapOptions = {}): Promise<FakeImapServer> {
  const state: FakeImapServer = { port: 0, bodyFetches: 0, moves: [], close: async () => undefined };
  let present = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('* OK [CAPABILITY IMAP4rev1 UIDPLUS MOVE IDLE] fake server ready\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        answer(socket, line);
      }
    });
  });
  const answer = (socket: net.Socket, line: string): void => {
    const [tag = '*', ...rest] = line.split(' ');
    const command = rest.join(' ').toUpperCase();
    const ok = (text = 'done'): void => void socket.write(`${tag} OK ${text}\r\n`);
    if (line === 'DONE') return void socket.write('* OK idle over\r\n');
    if (command.startsWith('LOGIN')) {
      if (options.loginAnswer) return void socket.write(`${tag} ${options.loginAnswer}\r\n`);
      return ok('[CAPABILITY IMAP4rev1 UIDPLUS MOVE IDLE] logged in');
    }
    if (command.startsWith('CAPABILITY')) return socket.write('* CAPABILITY IMAP4rev1 UIDPLUS MOVE IDLE\r\n'), ok();
    if (command.startsWith('LIST')) return socket.write('* LIST () "/" INBOX\r\n'), ok();
    if (command.startsWith('SELECT') || command.startsWith('EXAMINE')) {
      socket.write(`* FLAGS (\\Seen)\r\n* ${present ? 1 : 0} EXISTS\r\n* OK [UIDVALIDITY 42] v\r\n* OK [UIDNEXT 2] n\r\n`);
      return ok('[READ-WRITE] selected');
    }
    if (command.includes('SEARCH')) return socket.write(`* SEARCH${present ? ' 1' : ''}\r\n`), ok();
    if (command.startsWith('UID FETCH') && command.includes('BODY')) {
      state.bodyFetches++;
      return answerBody(socket, tag);
    }
    if (command.startsWith('UID FETCH')) return socket.write('* 1 FETCH (UID 1 RFC822.SIZE 120)\r\n'), ok();
    if (command.startsWith('UID MOVE')) {
      state.moves.push(rest.slice(3).join(' '));
      present = false;
      return socket.write('* OK [COPYUID 7 1 1] moved\r\n* 1 EXPUNGE\r\n'), ok();
    }
    if (command.startsWith('IDLE')) return void socket.write('+ idling\r\n');
    if (command.startsWith('LOGOUT')) return socket.write('* BYE\r\n'), ok(), void socket.end();
    ok();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  running.push(state);
  return state;
}

const running: FakeImapServer[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});
