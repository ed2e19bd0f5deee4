import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import type { TicketRecord } from '../model/message-record.js';
import { classifyTerm } from '../search/classify-term.js';
import { openStore } from '../store/open-store.js';
import { searchTickets, type SearchHit } from '../store/search-index.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

interface SearchOptions extends GlobalOptions {
  json?: boolean;
  limit?: string;
}

export const SEARCH_DESCRIPTION =
  'tickets by IP or CIDR, domain (and subdomains), URL, CVE, e-mail address, key fingerprint, ticket id, or words of the report; every term must match; newest first';

/** `intake search TERM…`: the store's search index (store/search-index.ts), terms classified by search/classify-term.ts. */
export function registerSearch(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('search')
    .description(SEARCH_DESCRIPTION)
    .argument('<term...>', 'e.g. 198.51.100.0/24, evil.example, CVE-2024-3094, "lateral movement"')
    .option('--json', 'one JSON line per ticket: ticket, status, subject, reporter and what matched')
    .option('--limit <n>', 'at most this many tickets', '100')
    .action(async (terms: string[], _options: unknown, command: Command) => {
      setExit(await search(terms, command.optsWithGlobals<SearchOptions>(), io));
    });
}

async function search(terms: string[], options: SearchOptions, io: CliIo): Promise<number> {
  const limit = Number(options.limit ?? '100');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
    writeLine(io.stderr, 'intake search: --limit must be a whole number from 1 to 100000');
    return EXIT.usage;
  }
  const given = terms.filter((t) => t.trim() !== '');
  if (given.length === 0) {
    writeLine(io.stderr, 'intake search: give at least one search term');
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const classified = given.map((t) => classifyTerm(t, config.team.ticketPrefix));
  const store = await openStore(config, io.env);
  try {
    const { hits, truncated } = await searchTickets(store.sql, classified, limit);
    for (const hit of hits) {
      const ticket = await store.tickets.get(hit.ticket);
      if (ticket) writeLine(io.stdout, options.json ? JSON.stringify(jsonHit(ticket, hit)) : hitLine(ticket, hit));
    }
    if (hits.length === 0 && !options.json) writeLine(io.stderr, 'no tickets match');
    if (truncated) writeLine(io.stderr, 'intake search: a term matched very many messages; results are incomplete — add a term to narrow it');
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function jsonHit(ticket: TicketRecord, hit: SearchHit) {
  return {
    ticket: ticket.id,
    status: ticket.status,
    createdAt: ticket.createdAt,
    newestMatch: hit.newest,
    subject: ticket.subject,
    reporter: ticket.reporter.address,
    matches: hit.matches,
  };
}

/** Everything from a report is escaped like a log line (no ANSI, no bidi, no line breaks). */
function hitLine(ticket: TicketRecord, hit: SearchHit): string {
  const show = (value: string | null, max: number) => (value === null ? '-' : escapeForLog(value, max));
  const matched = [...new Set(hit.matches.map((m) => `${m.kind} ${m.kind === 'ticket' ? '' : show(m.value, 60)}${m.seq === null ? '' : ` #${m.seq}`}`.replace('  ', ' ')))];
  return `${ticket.id}  ${hit.newest.slice(0, 16).replace('T', ' ')}  ${ticket.status}  ${show(ticket.reporter.address, 60)}  ${show(ticket.subject, 70)}  [${matched.slice(0, 6).join('; ')}${matched.length > 6 ? `; +${matched.length - 6}` : ''}]`;
}
