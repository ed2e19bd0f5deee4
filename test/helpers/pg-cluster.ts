import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster (Debian's postgresql): initdb as the `postgres` user
 * (initdb refuses root) via runuser into a temp dir, a free loopback port, the socket in
 * the same dir, durability settings left at their defaults. `stop` stops and removes it.
 */
export interface PgCluster {
  url: string;
  port: number;
  dir: string;
  /** A fresh empty database on this cluster, its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

async function binDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (scripts/ensure-test-tools.sh installs Debian postgresql)');
  return path.join('/usr/lib/postgresql', versions[0]!, 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = await binDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-pg-'));
  await chmod(dir, 0o755);
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  const as = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { cwd: dir });
  await as('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  await as('pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'server.log'), '-w', '-s', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=100`, 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dir,
    async createDatabase(name) {
      await run('runuser', ['-u', 'postgres', '--', path.join(bin, 'psql'), '-h', dir, '-p', String(port), '-c', `CREATE DATABASE ${name}`]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await as('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-s', '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
