import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { reportSummaryLines } from './report-summary.js';
import { showTicketBody, type BodyOptions } from './ticket-body.js';
import { registerTicketLifecycle } from './ticket-lifecycle.js';
import { ticketWorkbench, workbenchLines } from './ticket-workbench.js';
import { withStore } from './with-store.js';

interface ListOptions extends GlobalOptions, BodyOptions {
  urgent?: boolean;
  status?: string;
  json?: boolean;
  body?: boolean;
}

export function registerTickets(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const tickets = program.command('tickets').description('operator views of the tickets');
  tickets
    .command('list')
    .description('all tickets, newest first')
    .option('--urgent', 'only urgent tickets')
    .option('--status <status>', 'only tickets that are open or closed')
    .option('--json', 'one JSON ticket per line')
    .action(async (_options: unknown, command: Command) => {
      setExit(await listTickets(command.optsWithGlobals<ListOptions>(), io));
    });
  tickets
    .command('show')
    .description('one ticket with its messages')
    .argument('<id>', 'ticket id, e.g. XYZ-2026-00042')
    .option('--json', 'ticket.json and every message.json as one JSON document')
    .option('--body', 'what the reporter wrote (decrypted text, escaped), with indicators and crypto verdicts')
    .option('--seq <n>', 'with --body or --attachment: only message N')
    .option('--attachment <sha256>', "write one attachment's bytes to stdout (redirect to a file)")
    .action(async (id: string, _options: unknown, command: Command) => {
      setExit(await showTicket(id, command.optsWithGlobals<ListOptions>(), io));
    });
  registerTicketLifecycle(tickets, io, setExit);
}

async function listTickets(options: ListOptions, io: CliIo): Promise<number> {
  if (options.status !== undefined && options.status !== 'open' && options.status !== 'closed') {
    writeLine(io.stderr, 'intake tickets list: --status is open or closed');
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const all = (await withStore(config, io.env, (store) => store.tickets.list()))
    .filter((t) => (!options.urgent || t.urgent) && (!options.status || t.status === options.status))
    .reverse();
  for (const ticket of all) {
    writeLine(io.stdout, options.json ? JSON.stringify(ticket) : ticketLine(ticket));
  }
  if (!options.json && all.length === 0) writeLine(io.stderr, 'no tickets');
  return EXIT.ok;
}

async function showTicket(rawId: string, options: ListOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const parsed = parseTicketId(config.team.ticketPrefix, rawId.trim());
  if (!parsed) {
    writeLine(io.stderr, `intake tickets show: not a ticket id of this team: ${escapeForLog(rawId, 40)}`);
    return EXIT.usage;
  }
  const id = formatTicketId(config.team.ticketPrefix, parsed);
  if (options.body || options.attachment !== undefined) return showTicketBody(config, id, options, io);
  const { ticket, messages, workbench } = await withStore(config, io.env, async (store) => ({
    ticket: await store.tickets.get(id),
    messages: await store.tickets.messages(id),
    workbench: await ticketWorkbench(store.sql, id),
  }));
  if (!ticket) {
    writeLine(io.stderr, `intake tickets show: no ticket ${id}`);
    return EXIT.noInput;
  }
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ ticket, messages, ...workbench }, null, 2));
    return EXIT.ok;
  }
  writeLine(io.stdout, ticketLine(ticket));
  writeLine(io.stdout, `  reporter: ${show(ticket.reporter.address)}${ticket.reporter.fingerprint ? ` (key ${ticket.reporter.fingerprint})` : ''}`);
  writeLine(io.stdout, `  correspondents: ${ticket.correspondents.map((c) => show(c)).join(', ') || '-'}`);
  writeLine(io.stdout, `  classification: ${ticket.classification.map((c) => `${c.class}/${c.type}`).join(', ')}`);
  writeLine(io.stdout, `  priority: ${ticket.priority ?? '-'}${typeof ticket.priorityRank === 'number' ? ` (rank ${ticket.priorityRank})` : ''}`);
  for (const line of workbenchLines(workbench)) writeLine(io.stdout, line);
  for (const m of messages) writeLine(io.stdout, messageLines(m));
  return EXIT.ok;
}

/** Terminal output of message-derived text is escaped like log lines (no ANSI, no bidi). */
function show(value: string | null, max = 80): string {
  return value === null ? '-' : escapeForLog(value, max);
}

function ticketLine(t: TicketRecord): string {
  const flags = [t.urgent ? 'URGENT' : '', ...t.flags].filter(Boolean).join(',');
  return `${t.id}  ${t.createdAt}  ${t.status}  msgs=${t.messages.length}  ${flags || '-'}  ${show(t.reporter.address, 60)}  ${show(t.subject, 70)}`;
}

function messageLines(m: MessageRecord): string {
  const lines = [
    `  #${m.seq} ${m.receivedAt} via ${m.transport.kind} from ${show(m.from.address)}${m.from.valid ? '' : ` (From invalid: ${m.from.problem})`}`,
    `     threading=${m.threading.kind}${m.threading.senderKnown ? '' : ' (sender new to ticket)'} parse=${m.parse.status} encryption=${m.encryption.status} signature=${m.signature.status}/${m.signature.coverage} urgent=${m.urgent.flag}`,
    `     subject: ${show(m.headers.subjectDecoded, 120)}`,
    ...pgpLines(m),
    ...reportSummaryLines(m, show),
  ];
  for (const a of m.attachments) lines.push(`     attachment ${a.sha256.slice(0, 16)}… ${a.size} B ${show(a.contentType, 40)} name=${show(a.filename, 60)}`);
  return lines.join('\n');
}

/** Who signed (curated fingerprints; never UIDs from the message) and what was odd. */
function pgpLines(m: MessageRecord): string[] {
  const lines = m.signature.signers.map(
    (s) => `     signer ${s.fingerprint ?? `key ID ${s.keyId}`} ${s.status}${s.reason ? ` (${s.reason})` : ''}${s.flags.length ? ` [${s.flags.join(',')}]` : ''}${s.created ? ` created ${s.created}` : ''}`,
  );
  if (m.signature.signers.length > 0) lines.push(`     From matches signer: ${m.signature.fromMatchesSigner ? 'yes' : 'no'}`);
  if (m.signature.smime) lines.push(`     S/MIME signature around the message (${m.signature.smime.protocol}): present, not verified`);
  if (m.encryption.wrapped) lines.push('     wrapped ciphertext: its plaintext is not attributed to the sender');
  if (m.encryption.replayOf) lines.push(`     replayed ciphertext: first seen in ${m.encryption.replayOf.ticket} #${m.encryption.replayOf.seq}`);
  if (m.headers.innerSubject) lines.push(`     protected subject: ${show(m.headers.innerSubject, 120)}`);
  return lines;
}
