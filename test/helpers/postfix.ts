import { execFile } from 'node:child_process';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * A real Postfix (Debian's package) of the test's own: its own config_directory,
 * queue_directory and data_directory in a temp dir, smtpd on 127.0.0.1 and a free port,
 * no chroot, logging to a file. Started as root (`postfix -c DIR start`), stopped after.
 * `transport` is the transport-map entry for xyz.example (`intake:` for the pipe
 * service in `services`, `lmtp:unix:/path` for LMTP); everything else is relayed nowhere.
 */
export interface Postfix {
  dir: string;
  port: number;
  /** The Postfix log so far. */
  log(): Promise<string>;
  /** `postqueue -j`: what waits in the queue, with the reason of each deferral. */
  queue(): Promise<Array<{ queue_id: string; queue_name: string; recipients: Array<{ address: string; delay_reason?: string }> }>>;
  /** `postqueue -f`: deliver everything queued now (deferred mail included). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function postfixCommand(command: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export async function startPostfix(dir: string, { transport, services = '', main = [] }: { transport: string; services?: string; main?: string[] }): Promise<Postfix> {
  const etc = path.join(dir, 'etc');
  const data = path.join(dir, 'data');
  await mkdir(etc, { recursive: true });
  await mkdir(path.join(dir, 'queue'), { recursive: true });
  await mkdir(data, { recursive: true });
  await chown(data, Number((await postfixCommand('id', ['-u', 'postfix'])).out.trim()), -1);
  const port = await freePort();
  const maillog = path.join(dir, 'maillog');
  await writeFile(
    path.join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = mx.intake-test.example',
      'mydomain = intake-test.example',
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'relay_domains = xyz.example',
      `transport_maps = texthash:${etc}/transport`,
      `maillog_file = ${maillog}`,
      `maillog_file_prefixes = ${dir}`,
      'alias_maps =',
      'local_recipient_maps =',
      'biff = no',
      // Deferred mail waits until the test flushes the queue, never retried behind its back.
      'queue_run_delay = 3600s',
      'minimal_backoff_time = 3600s',
      'maximal_backoff_time = 7200s',
      ...main,
      '',
    ].join('\n'),
  );
  await writeFile(path.join(etc, 'transport'), `xyz.example ${transport}\n`);
  await writeFile(path.join(etc, 'master.cf'), `127.0.0.1:${port} inet n - n - - smtpd\n${SERVICES}${services}`);
  const started = await postfixCommand('script', ['-qec', `postfix -c ${etc} start`, '/dev/null']);
  if (started.code !== 0) throw new Error(`postfix start failed: ${started.out}`);
  const log = () => readFile(maillog, 'utf8').catch(() => '');
  return {
    dir,
    port,
    log,
    async queue() {
      const listed = await postfixCommand('postqueue', ['-c', etc, '-j']);
      return listed.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    },
    async flush() {
      const flushed = await postfixCommand('postqueue', ['-c', etc, '-f']);
      if (flushed.code !== 0) throw new Error(`postqueue -f failed: ${flushed.out}`);
    },
    async stop() {
      await postfixCommand('postfix', ['-c', etc, 'stop']);
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
