import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { ProcessSignals } from './process-signals.js';

/** What each command file exports: it adds its command (options, subcommands, action) to the program. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void, signals: ProcessSignals) => void;

export interface CommandEntry {
  name: string;
  /** The line `intake --help` shows; the command's own file repeats it (a test keeps them equal). */
  description: string;
  load(): Promise<RegisterCommand>;
}

/**
 * Every `intake` command, in the order `intake --help` lists them. A command's module
 * (and so everything it imports: openpgp, mailparser, smtp-server, imapflow …) is
 * imported only when that command runs, so `intake --version` or an MTA's `intake
 * ingest` never pays for the daemon's listeners or the operator views.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', description: 'run the daemon: recovery of received messages, enabled transports, outbox sender', load: async () => (await import('./serve.js')).registerServe },
  { name: 'ingest', description: 'process raw RFC 5322 messages from files or stdin (MTA pipe delivery)', load: async () => (await import('./ingest.js')).registerIngest },
  { name: 'tickets', description: 'operator views of the tickets', load: async () => (await import('./tickets.js')).registerTickets },
  { name: 'tail', description: 'follow the log file: one line per report, times in the team time zone, errors stand out', load: async () => (await import('./tail.js')).registerTail },
  { name: 'config', description: 'validate or print the configuration', load: async () => (await import('./config.js')).registerConfig },
  { name: 'keys', description: 'team key, curated constituent keyring, keys seen in mail', load: async () => (await import('./keys.js')).registerKeys },
  {
    name: 'reprocess',
    description: "re-run decryption, verification and parsing of a ticket's messages from their stored raw bytes (after a key import); never sends an acknowledgement",
    load: async () => (await import('./reprocess.js')).registerReprocess,
  },
  {
    name: 'search',
    description:
      'tickets by IP or CIDR, domain (and subdomains), URL, CVE, e-mail address, key fingerprint, ticket id, or words of the report; every term must match; newest first',
    load: async () => (await import('./search.js')).registerSearch,
  },
  {
    name: 'reply',
    description:
      "answer the reporter in the ticket's thread: the operator's text, signed by the team key, encrypted when the reporter has a curated key; queued and delivered like acknowledgements",
    load: async () => (await import('./reply.js')).registerReply,
  },
  {
    name: 'outbox',
    description: 'the acknowledgement queue: what waits, what failed and why',
    load: async () => (await import('./outbox.js')).registerOutbox,
  },
  {
    name: 'export',
    description: 'write the store as files (tickets/<ID>/…, manifest.json with the SHA-256 of every file); never changes the store',
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    name: 'import',
    description: 'read an export, or the archive directory of an older csirt-intake, into the store; idempotent',
    load: async () => (await import('./import.js')).registerImport,
  },
  { name: 'backup', description: 'consistent online copy of the SQLite store (PostgreSQL: use pg_dump)', load: async () => (await import('./backup.js')).registerBackup },
  { name: 'check', description: 'store consistency, and every raw message and attachment re-hashed', load: async () => (await import('./check.js')).registerCheck },
  {
    name: 'stats',
    description: 'reports per month, per RSIT class and priority, urgent, encrypted/signed share, time to acknowledgement',
    load: async () => (await import('./stats.js')).registerStats,
  },
];

/**
 * The command an argument list runs: the first word that is not an option (the value
 * of `--config FILE` is skipped); for `help NAME`, NAME. Undefined for `--help`,
 * `--version` or nothing at all.
 */
export function commandNameIn(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--config') i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words[0] === 'help' ? words[1] : words[0];
}
