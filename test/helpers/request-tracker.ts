import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

/**
 * A real Request Tracker 5 (Debian's request-tracker5) for the hand-off tests: its own
 * SQLite database and site config in a temporary directory, `rt-server` (Starlet) on a
 * free loopback port, a queue with the custom fields csirt-intake fills, and a REST2
 * auth token for root made through RT's own RT::AuthToken. Nothing under /etc is read
 * or written: RT takes its site config from RT_SITE_CONFIG / RT_SITE_CONFIG_DIR.
 * scripts/ensure-request-tracker.sh installs the packages.
 */
const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_LIB = '/usr/share/request-tracker5/lib';

export const RT_QUEUE = 'Incident Reports';
/** The custom fields the test queue has: one per fact csirt-intake hands over. */
export const RT_CUSTOM_FIELDS = {
  ticket: 'Intake Ticket',
  signedBy: 'Intake Signed By',
  signature: 'Intake Signature',
  fromMatchesSigner: 'Intake From Match',
  encryption: 'Intake Encryption',
} as const;
/** RT's initial root user and password (rt-setup-database --action insert). */
export const RT_ROOT = { user: 'root', password: 'password' };

export interface RequestTracker {
  /** Base URL, e.g. http://127.0.0.1:40123 (REST2 under /REST/2.0/). */
  url: string;
  token: string;
  dir: string;
  /** Database set-up and server start, measured for the suite's time budget. */
  timings: { databaseMs: number; startMs: number };
  stop(): Promise<void>;
}

/** Why RT cannot run here, or null when it can. */
export function requestTrackerMissing(): string | null {
  if (!existsSync(RT_SERVER)) return `${RT_SERVER} is missing`;
  const perl = spawnSync('perl', ['-MDBD::SQLite', '-MStarlet', '-e1']);
  if (perl.status !== 0) return 'perl modules DBD::SQLite / Starlet are missing';
  const setup = spawnSync('sh', ['-c', 'command -v rt-setup-database-5']);
  if (setup.status !== 0) return 'rt-setup-database-5 is missing';
  return null;
}

export const RT_SKIP_MESSAGE = (reason: string) =>
  `Request Tracker tests skipped: ${reason} (scripts/ensure-request-tracker.sh installs request-tracker5, rt5-db-sqlite, rt5-standalone)`;

export async function startRequestTracker(): Promise<RequestTracker> {
  const dir = await tempDir('intake-rt-', 'file');
  for (const sub of ['etc/RT_SiteConfig.d', 'db', 'log', 'var/mason_data', 'var/session_data']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  const port = await freePort();
  await writeFile(path.join(dir, 'etc/RT_SiteConfig.pm'), siteConfig(dir, port));
  await writeFile(path.join(dir, 'etc/initialdata'), initialData());
  const env = {
    ...process.env,
    RT_SITE_CONFIG: path.join(dir, 'etc/RT_SiteConfig.pm'),
    RT_SITE_CONFIG_DIR: path.join(dir, 'etc/RT_SiteConfig.d'),
  };

  const databaseStarted = Date.now();
  await runChecked('rt-setup-database-5', ['--action', 'init'], env, dir);
  await runChecked('rt-setup-database-5', ['--action', 'insert', '--datafile', path.join(dir, 'etc/initialdata')], env, dir);
  await writeFile(path.join(dir, 'make-token.pl'), MAKE_TOKEN);
  const token = (await runChecked('perl', [path.join(dir, 'make-token.pl')], env, dir)).trim();
  const databaseMs = Date.now() - databaseStarted;

  const serverStarted = Date.now();
  const server = spawn(RT_SERVER, ['--server', 'Starlet', '--host', '127.0.0.1', '--port', String(port), '--max-workers', '2'], {
    cwd: dir,
    env,
    // Its own process group: stop() ends the master and its preforked workers together.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let serverLog = '';
  server.stderr?.on('data', (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/REST/2.0/`, server, 90_000);
  } catch (error) {
    await stopGroup(server);
    throw new Error(`rt-server did not come up: ${(error as Error).message}\n${serverLog}`);
  }
  return {
    url,
    token,
    dir,
    timings: { databaseMs, startMs: Date.now() - serverStarted },
    stop: () => stopGroup(server),
  };
}

function siteConfig(dir: string, port: number): string {
  return `# Request Tracker for csirt-intake's hand-off tests (generated)
Set($rtname, 'xyz.example');
Set($Organization, 'xyz.example');
Set($Timezone, 'UTC');
Set($WebDomain, '127.0.0.1');
Set($WebPort, ${port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:${port}');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '${dir}/db/rt5.db');
Set($MasonDataDir, '${dir}/var/mason_data');
Set($MasonSessionDir, '${dir}/var/session_data');
Set($LogToSyslog, undef);
Set($LogToSTDERR, 'error');
Set($LogToFile, undef);
# RT sends no mail in these tests: every outgoing message is dropped here.
Set($MailCommand, sub { return 1; });
1;
`;
}

function initialData(): string {
  const fields = Object.values(RT_CUSTOM_FIELDS)
    .map((name) => `  { Name => '${name}', Type => 'FreeformSingle', LookupType => 'RT::Queue-RT::Ticket', Queue => ['${RT_QUEUE}'] },`)
    .join('\n');
  return `@Queues = ({ Name => '${RT_QUEUE}', Description => 'csirt-intake hand-off (test)' });
@CustomFields = (
${fields}
);
1;
`;
}

/** RT::AuthToken is part of RT 5: the same token an operator makes under Settings → Auth Tokens. */
const MAKE_TOKEN = `use strict; use warnings;
use lib '${RT_LIB}';
use RT; RT::LoadConfig(); RT::Init();
my $user = RT::User->new(RT->SystemUser);
$user->Load('root') or die "no root user";
my $token = RT::AuthToken->new(RT->SystemUser);
my ($ok, $msg, $auth) = $token->Create(Owner => $user->Id, Description => 'csirt-intake test');
die "cannot create token: $msg" unless $ok;
print "$auth\\n";
`;

function runChecked(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHttp(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`exited ${server.exitCode ?? server.signalCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  // Workers the master did not take down with it.
  signalGroup('SIGKILL');
}
