import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for the benches (Debian's postgresql, as root): initdb
 * as the postgres user into a temp dir, a free loopback port, default durability
 * (fsync=on, synchronous_commit=on). Rejects where PostgreSQL is not installed.
 */
export async function startBenchCluster(): Promise<{ url: string; createDatabase(name: string): Promise<string>; stop(): Promise<void> }> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  const bin = path.join('/usr/lib/postgresql', versions[0]!, 'bin');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-pg-'));
  await chmod(dir, 0o755);
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  await chown(dir, uid, gid);
  const as = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { cwd: dir });
  await as('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const p = (server.address() as { port: number }).port;
      server.close(() => resolve(p));
    });
  });
  await as('pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'server.log'), '-w', '-s', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=100`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async createDatabase(name) {
      await run('runuser', ['-u', 'postgres', '--', path.join(bin, 'psql'), '-h', dir, '-p', String(port), '-c', `CREATE DATABASE ${name}`]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await as('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-s', '-m', 'fast', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
