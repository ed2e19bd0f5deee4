import type { Command } from 'commander';
import { Archive } from '../effects/archive.js';
import type { MessageRecord } from '../model/message-record.js';
import { archiveStats, type ArchiveStats, type TicketWithMessages } from '../stats/archive-stats.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

interface StatsOptions extends GlobalOptions {
  json?: boolean;
}

/** `intake stats [--json]`: the team's figures, computed from the archive (see archive-stats.ts). */
export function registerStats(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('stats')
    .description('reports per month, per RSIT class and priority, urgent, encrypted/signed share, time to acknowledgement')
    .option('--json', 'one JSON document')
    .action(async (_options: unknown, command: Command) => {
      setExit(await showStats(command.optsWithGlobals<StatsOptions>(), io));
    });
}

async function showStats(options: StatsOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const archive = new Archive(config.archive.dir, config.team.ticketPrefix);
  const tickets: TicketWithMessages[] = [];
  for (const ticket of await archive.tickets.list()) {
    const messages: MessageRecord[] = [];
    for (const seq of await archive.tickets.messageSeqs(ticket.id)) {
      const message = await archive.tickets.readMessage(ticket.id, seq);
      if (message) messages.push(message);
    }
    tickets.push({ ticket, messages });
  }
  const stats = archiveStats(tickets, config.team.timezone);
  if (options.json) writeLine(io.stdout, JSON.stringify(stats, null, 2));
  else for (const line of humanLines(stats)) writeLine(io.stdout, line);
  return EXIT.ok;
}

function humanLines(s: ArchiveStats): string[] {
  const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
  const ack = s.acknowledgements;
  const lines = [
    `reports: ${s.reports} (${s.urgentReports} urgent), messages: ${s.messages}`,
    '',
    `month     reports  messages  urgent   (${s.timezone})`,
    ...s.perMonth.map((m) => `${m.month}  ${pad(m.reports, 7)}  ${pad(m.messages, 8)}  ${pad(m.urgent, 6)}`),
    '',
    'RSIT class / type                                 reports',
  ];
  for (const c of s.perClass) {
    lines.push(`${c.class.padEnd(48)} ${pad(c.reports, 8)}`);
    for (const t of c.types) lines.push(`  ${t.type.padEnd(46)} ${pad(t.reports, 8)}`);
  }
  lines.push('', 'priority (rank)                                   reports');
  for (const p of s.perPriority) lines.push(`${`${p.rule} (${p.rank ?? '-'})`.padEnd(48)} ${pad(p.reports, 8)}`);
  lines.push(
    '',
    `encrypted: ${s.crypto.encrypted}/${s.crypto.messages} (${pct(s.crypto.encryptedShare)}), decryption failed: ${s.crypto.decryptionFailed}`,
    `signed: ${s.crypto.signed}/${s.crypto.messages} (${pct(s.crypto.signedShare)}), valid over the whole message: ${s.crypto.signedValidWhole}`,
    `acknowledgements: ${ack.sent} sent, ${ack.queued} queued, ${ack.suppressed} suppressed, ${ack.failed} failed`,
    `median time to acknowledgement: ${ack.medianSecondsToAck === null ? 'n/a (no delivered acknowledgement with a delivery time)' : `${formatSeconds(ack.medianSecondsToAck)} over ${ack.measured}`}`,
  );
  return lines;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width);
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
