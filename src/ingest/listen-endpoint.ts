import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { SMTPServer } from 'smtp-server';
import { permanent } from '../model/errors.js';

/** Where a listener takes connections: TCP, or a Unix socket with its permissions. */
export type Endpoint =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string; mode: number; group: string | null };

export function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : `unix:${endpoint.path}`;
}

/**
 * Binds an smtp-server instance to its endpoint. A Unix socket left behind by a daemon
 * that was killed is removed (nobody answers on it); one that answers belongs to a
 * running daemon and is an error, as is a path that is not a socket. The socket gets its
 * mode and group only once bound; until then it has the umask's bits, which let nobody
 * but the owner connect (connecting needs write permission).
 */
export async function listenOn(server: SMTPServer, endpoint: Endpoint): Promise<void> {
  if (endpoint.kind === 'tcp') return bind(server, (done) => server.listen(endpoint.port, endpoint.host, done));
  await mkdir(path.dirname(endpoint.path), { recursive: true, mode: 0o755 });
  await removeStaleSocket(endpoint.path);
  await bind(server, (done) => server.listen(endpoint.path, done));
  await chmod(endpoint.path, endpoint.mode);
  if (endpoint.group !== null) await chown(endpoint.path, -1, await groupId(endpoint.group));
}

function bind(server: SMTPServer, listen: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    listen(() => {
      server.server.off('error', reject);
      resolve();
    });
  });
}

async function removeStaleSocket(file: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(file);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw permanent('lmtp-socket-path', `${file} exists and is not a socket`);
  if (await answers(file)) throw permanent('lmtp-socket-in-use', `${file} is in use by another process (is intake serve already running?)`);
  await unlink(file);
}

function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** A group name (through NSS, as `getent` sees it) or a numeric gid. */
async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const line = await new Promise<string>((resolve, reject) =>
    execFile('getent', ['group', group], { timeout: 10_000 }, (error, stdout) =>
      error ? reject(permanent('lmtp-socket-group', `lmtp.socketGroup: no group ${JSON.stringify(group)}`, error)) : resolve(stdout),
    ),
  );
  const gid = Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw permanent('lmtp-socket-group', `lmtp.socketGroup: cannot read the gid of ${JSON.stringify(group)}`);
  return gid;
}
