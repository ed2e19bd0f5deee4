import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import { openStore } from '../store/open-store.js';
import { setTicketStatus } from '../store/ticket-events.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

interface LifecycleOptions extends GlobalOptions {
  note?: string;
}

/** Notes are the operator's own words for the ticket's history: a paragraph, not a file. */
const MAX_NOTE = 4000;

/**
 * `intake tickets close|reopen ID [--note TEXT]`: the ticket's status, with the change
 * and the note in its history (`tickets show`) and a `ticket.closed` / `ticket.reopened`
 * event for the hand-off. Closing a closed ticket (or reopening an open one) changes
 * nothing and says so. A reporter's follow-up to a closed ticket reopens it by itself.
 */
export function registerTicketLifecycle(tickets: Command, io: CliIo, setExit: (code: number) => void): void {
  for (const [verb, status] of [['close', 'closed'], ['reopen', 'open']] as const) {
    tickets
      .command(verb)
      .description(verb === 'close' ? 'close a ticket (it reopens by itself when the reporter writes again)' : 'reopen a closed ticket')
      .argument('<id>', 'ticket id, e.g. XYZ-2026-00042')
      .option('--note <text>', 'why, for the ticket’s history (never sent to anyone)')
      .action(async (id: string, _options: unknown, command: Command) => {
        setExit(await changeStatus(verb, status, id, command.optsWithGlobals<LifecycleOptions>(), io));
      });
  }
}

async function changeStatus(verb: string, status: 'open' | 'closed', rawId: string, options: LifecycleOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const parsed = parseTicketId(config.team.ticketPrefix, rawId.trim());
  if (!parsed) {
    writeLine(io.stderr, `intake tickets ${verb}: not a ticket id of this team: ${escapeForLog(rawId, 40)}`);
    return EXIT.usage;
  }
  const note = options.note?.trim() || null;
  if (note !== null && (note.length > MAX_NOTE || /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(note))) {
    writeLine(io.stderr, `intake tickets ${verb}: --note must be at most ${MAX_NOTE} characters of text (no control characters)`);
    return EXIT.usage;
  }
  const id = formatTicketId(config.team.ticketPrefix, parsed);
  const store = await openStore(config, io.env);
  try {
    const result = await setTicketStatus(store.sql, id, status, { at: new Date(), note, reason: 'operator' });
    if (result.kind === 'missing') {
      writeLine(io.stderr, `intake tickets ${verb}: no ticket ${id}`);
      return EXIT.noInput;
    }
    writeLine(io.stdout, result.kind === 'changed' ? `${id} ${status}` : `${id} is already ${status}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
