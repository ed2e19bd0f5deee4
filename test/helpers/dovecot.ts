import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, openSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { waitFor } from './archive-scan.js';
import { tempDir } from './temp-dir.js';

/**
 * A real Dovecot IMAP server for one test, unprivileged, in its own temporary folder, on
 * 127.0.0.1 and a free port (template: dovecot-loopback.conf). Works as root (CI), where
 * Dovecot's own `dovecot`/`dovenull` users run the mail and login processes, and as an
 * ordinary user, where every process runs as that user. `kill()` is a SIGKILL of the
 * whole instance — master and children, all started by this helper — and `start()` brings
 * it back on the same port with the same mail.
 */
export const DOVECOT_USER = 'cert';
export const DOVECOT_PASSWORD = 'secret';

const TEMPLATE = path.join(import.meta.dirname, 'dovecot-loopback.conf');
const DOVECOT = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => existsSync(p)) ?? 'dovecot';
const running = new Set<Dovecot>();

export interface DovecotOptions {
  /** Extra configuration lines, e.g. an `imap_capability` without IDLE. */
  extra?: string;
}

export class Dovecot {
  readonly dir: string;
  readonly port: number;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  static async create(options: DovecotOptions = {}): Promise<Dovecot> {
    const dir = await tempDir('intake-dovecot-');
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      writeConfig(dir, port, options.extra ?? '');
      const dovecot = new Dovecot(dir, port);
      try {
        await dovecot.start();
        running.add(dovecot);
        return dovecot;
      } catch (error) {
        // Another test may have taken the port between our probe and Dovecot's bind.
        await dovecot.kill();
        if (attempt >= 2) throw error;
      }
    }
  }

  async start(): Promise<void> {
    // The master daemonizes and keeps its stdio: a pipe would keep spawnSync waiting forever.
    const output = path.join(this.dir, 'start.log');
    const fd = openSync(output, 'w');
    const result = spawnSync(DOVECOT, ['-c', path.join(this.dir, 'dovecot.conf')], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (result.status !== 0) throw new Error(`dovecot did not start: ${readFileSync(output, 'utf8')}${this.log()}`);
    running.add(this);
    await waitFor(() => greets(this.port), `dovecot on port ${this.port}`, 20_000);
  }

  /** SIGKILL the master and every child of it: like a crash, no goodbye to clients. */
  async kill(): Promise<void> {
    const master = this.masterPid();
    if (master === null) return;
    const victims = [master, ...childrenOf(master)];
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Until every process is gone, its sockets in run/ still answer and a restart refuses.
    await waitFor(() => victims.every((pid) => !alive(pid)), 'killed dovecot processes to exit', 20_000);
    rmSync(path.join(this.dir, 'run', 'master.pid'), { force: true });
  }

  /** Graceful stop (SIGTERM to the master). */
  async stop(): Promise<void> {
    const master = this.masterPid();
    running.delete(this);
    if (master === null) return;
    try {
      process.kill(master, 'SIGTERM');
    } catch {
      return;
    }
    await waitFor(() => !alive(master), 'dovecot to stop', 20_000).catch(() => this.kill());
    rmSync(path.join(this.dir, 'run', 'master.pid'), { force: true });
  }

  log(): string {
    try {
      return readFileSync(path.join(this.dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private masterPid(): number | null {
    try {
      return Number(readFileSync(path.join(this.dir, 'run', 'master.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }
}

afterEach(async () => {
  for (const dovecot of [...running]) await dovecot.stop();
});

function writeConfig(dir: string, port: number, extra: string): void {
  const asRoot = process.getuid?.() === 0;
  const me = os.userInfo();
  const group = asRoot ? 'dovecot' : (execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim() || me.username);
  for (const sub of ['run', 'state', 'home']) mkdirSync(path.join(dir, sub), { recursive: true });
  // mkdtemp makes 0700 folders; Dovecot's unprivileged processes must reach users and home/.
  chmodSync(dir, 0o755);
  const ids = asRoot ? dovecotIds() : { uid: me.uid, gid: me.gid };
  if (asRoot) chownSync(path.join(dir, 'home'), ids.uid, ids.gid);
  writeFileSync(path.join(dir, 'users'), `${DOVECOT_USER}:{PLAIN}${DOVECOT_PASSWORD}\n`, { mode: 0o644 });
  const values: Record<string, string> = {
    DIR: dir,
    PORT: String(port),
    INTERNAL_USER: asRoot ? 'dovecot' : me.username,
    INTERNAL_GROUP: group,
    LOGIN_USER: asRoot ? 'dovenull' : me.username,
    MAIL_UID: String(ids.uid),
    MAIL_GID: String(ids.gid),
    EXTRA: extra,
  };
  const text = readFileSync(TEMPLATE, 'utf8').replace(/@([A-Z_]+)@/g, (whole, key: string) => values[key] ?? whole);
  writeFileSync(path.join(dir, 'dovecot.conf'), text);
}

function dovecotIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('dovecot:'));
  if (!line) throw new Error('user dovecot missing: install dovecot-imapd (scripts/ensure-test-tools.sh)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Running, as opposed to gone or a zombie (this container's init may not reap daemons fast). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('* OK')));
    socket.once('error', () => done(false));
  });
}
