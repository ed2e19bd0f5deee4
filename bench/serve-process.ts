import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import YAML from 'yaml';
import { INTAKE_MAIN } from './bench-lib.js';
import { KEYS_DIR } from './openpgp-lib.js';
import { LineClient } from './smtp-line-client.js';

/**
 * `intake serve` as operators run it (the bundled CLI, INTAKE_MAIN, in its own process, OpenPGP workers
 * `auto`), for the end-to-end benches: SMTP in from several clients, acknowledgements out
 * to a loopback relay that counts them. Optionally under `strace -c` to count fsyncs.
 */

export interface Relay {
  port: number;
  delivered: number;
  close(): Promise<void>;
}

export async function startRelay(): Promise<Relay> {
  const relay: Relay = { port: 0, delivered: 0, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        relay.delivered++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  relay.port = (server.server.address() as { port: number }).port;
  relay.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return relay;
}

export interface ServeNode {
  dir: string;
  port: number;
  lines: Array<Record<string, unknown>>;
  stop(): Promise<void>;
  /** `strace -c` output, when started with `strace`. */
  straceSummary(): Promise<string | null>;
  /** CPU milliseconds the daemon has used so far, all its threads (/proc/PID/stat utime + stime), or null. */
  cpuMs(): Promise<number | null>;
  /** The same by kind of thread (/proc/PID/task/*: node-MainThread, WorkerThread, node-V8Worker, libuv-worker …). */
  threadCpuMs(): Promise<Record<string, number>>;
}

export async function startNode(relayPort: number, options: { store?: Record<string, unknown>; ackLimit: number; strace?: boolean }): Promise<ServeNode> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-serve-'));
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, YAML.stringify({
    team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example', timezone: 'Europe/Berlin' },
    pgp: { privateKeyFile: path.join(KEYS_DIR, 'team.sec.asc'), keyringDir: path.join(KEYS_DIR, 'constituents') },
    smtp: { enabled: true, host: '127.0.0.1', port: 0 },
    log: { level: 'info', file: null },
    ack: { maxPerSenderPerDay: options.ackLimit },
    outbound: { mode: 'smtp', host: '127.0.0.1', port: relayPort, starttls: 'never', pollSeconds: 1 },
    ...(options.store ? { store: options.store } : {}),
    // BENCH_WORKERS (e.g. 1): processing.workers of the daemon, else `auto` (one per core).
    ...(process.env.BENCH_WORKERS ? { processing: { workers: Number(process.env.BENCH_WORKERS) } } : {}),
  }));
  const straceFile = path.join(dir, 'strace.txt');
  const command = options.strace ? 'strace' : process.execPath;
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the daemon and its workers.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = options.strace ? ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', straceFile, process.execPath, ...nodeArgs, INTAKE_MAIN, 'serve', '--config', config] : [...nodeArgs, INTAKE_MAIN, 'serve', '--config', config];
  const child: ChildProcess = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let portFound: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => (portFound = resolve));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      try {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'smtp listener started') portFound(Number(line.port));
      } catch {
        // not a log line
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    dir,
    port: await port,
    lines,
    async stop() {
      // Under strace the daemon is strace's child: signal the daemon itself.
      const daemon = options.strace ? lines.find((l) => typeof l.pid === 'number')?.pid : undefined;
      if (typeof daemon === 'number') process.kill(daemon, 'SIGTERM');
      else child.kill('SIGTERM');
      await exited;
    },
    async straceSummary() {
      return options.strace ? readFile(straceFile, 'utf8').catch(() => null) : null;
    },
    async cpuMs() {
      const pid = daemonPid();
      return typeof pid === 'number' ? processCpuMs(`/proc/${pid}/stat`) : null;
    },
    async threadCpuMs() {
      const pid = daemonPid();
      const byKind: Record<string, number> = {};
      if (typeof pid !== 'number') return byKind;
      for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
        const kind = (await readFile(`/proc/${pid}/task/${task}/comm`, 'utf8').catch(() => '?')).trim();
        byKind[kind] = (byKind[kind] ?? 0) + ((await processCpuMs(`/proc/${pid}/task/${task}/stat`)) ?? 0);
      }
      return byKind;
    },
  };

  function daemonPid(): number | undefined {
    const pid = options.strace ? lines.find((l) => typeof l.pid === 'number')?.pid : child.pid;
    return typeof pid === 'number' ? pid : undefined;
  }
}

/** utime + stime in ms from a /proc stat file (a process: all its threads; or one task). Linux, clock ticks of 10 ms. */
async function processCpuMs(statFile: string): Promise<number | null> {
  const stat = await readFile(statFile, 'utf8').catch(() => null);
  if (!stat) return null;
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function removeNode(node: ServeNode): Promise<void> {
  await rm(node.dir, { recursive: true, force: true });
}

/**
 * Sends every message over `clients` connections spread over the nodes' ports; resolves
 * when all got 250. Returns each message's ms to 250. With `intervalMs`, each client
 * starts a message at most every `intervalMs` (paced load; the clients spread over one interval).
 */
export async function sendAll(ports: number[], messages: Buffer[], clients: number, sender: string, intervalMs = 0): Promise<number[]> {
  let next = 0;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const client = await LineClient.connect(ports[c % ports.length]!);
    await client.reply();
    await client.command('EHLO bench.example');
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, Math.random() * intervalMs));
    while (next < messages.length) {
      const message = messages[next++]!;
      const started = performance.now();
      const due = started + intervalMs;
      for (;;) {
        if ((await client.command(`MAIL FROM:<${sender}>`)) !== 250) { await client.command('RSET'); await new Promise((r) => setTimeout(r, 50)); continue; }
        await client.command('RCPT TO:<cert@xyz.example>');
        await client.command('DATA');
        // One write: a message and its final dot in two would wait for the delayed ACK of the first (Nagle, ~40 ms on loopback).
        client.write(Buffer.concat([message, Buffer.from('.\r\n')]));
        if ((await client.reply()) === 250) break;
        await client.command('RSET');
      }
      latencies.push(performance.now() - started);
      if (intervalMs > 0) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await client.command('QUIT').catch(() => 0);
    client.close();
  }));
  return latencies;
}

/** Mean wall milliseconds per pipeline stage, from the nodes' `report processed` lines. */
export function stageMeans(nodes: ServeNode[]): Record<string, number> {
  const sums = new Map<string, { ms: number; n: number }>();
  for (const line of nodes.flatMap((n) => n.lines).filter((l) => l.msg === 'report processed')) {
    for (const { stage, ms } of (line.stages as Array<{ stage: string; ms: number }>) ?? []) {
      const s = sums.get(stage) ?? { ms: 0, n: 0 };
      s.ms += ms;
      s.n++;
      sums.set(stage, s);
    }
  }
  return Object.fromEntries([...sums].map(([stage, { ms, n }]) => [stage, Math.round((ms / n) * 10) / 10]));
}

/** fsync + fdatasync calls in a `strace -c` summary. */
export function syncCalls(summary: string | null): number | null {
  if (!summary) return null;
  let calls = 0;
  for (const m of summary.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)\s*$/gm)) calls += Number(m[1]);
  return calls;
}
