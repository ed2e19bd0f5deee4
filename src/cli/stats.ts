import type { Command } from 'commander';
import type { MessageRecord } from '../model/message-record.js';
import { archiveStats, type ArchiveStats, type TicketWithMessages } from '../stats/archive-stats.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withStore } from './with-store.js';
import { lifecycleStats, type LifecycleStats } from '../store/ticket-events.js';

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
  const { stats, outbox, lifecycle } = await withStore(config, io.env, async (store) => {
    const byTicket = new Map<string, MessageRecord[]>();
    for (const message of await store.tickets.allMessages()) {
      const list = byTicket.get(message.ticket) ?? byTicket.set(message.ticket, []).get(message.ticket)!;
      list.push(message);
    }
    const tickets: TicketWithMessages[] = (await store.tickets.list()).map((ticket) => ({ ticket, messages: byTicket.get(ticket.id) ?? [] }));
    return { stats: archiveStats(tickets, config.team.timezone), outbox: await store.outbox.counts(), lifecycle: await lifecycleStats(store.sql) };
  });
  if (options.json) writeLine(io.stdout, JSON.stringify({ ...stats, outbox, lifecycle }, null, 2));
  else {
    const lines = [...humanLines(stats), lifecycleLine(lifecycle), `ack queue: ${outbox.pending} waiting, ${outbox.failed} failed for good (intake outbox list --failed), ${outbox.delivered} delivered`];
    for (const line of lines) writeLine(io.stdout, line);
  }
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

/** Open and closed tickets, and how long closing took (first message to the last close). */
function lifecycleLine(l: LifecycleStats): string {
  const hours = (seconds: number | null) => (seconds === null ? '-' : `${(seconds / 3600).toFixed(1)} h`);
  const close = l.timeToClose.count > 0 ? `; time to close: median ${hours(l.timeToClose.medianSeconds)}, mean ${hours(l.timeToClose.meanSeconds)}` : '';
  return `tickets: ${l.open} open, ${l.closed} closed${close}`;
}
