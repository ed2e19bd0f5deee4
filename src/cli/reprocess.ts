import type { Command } from 'commander';
import { openApp, type App } from '../app.js';
import { escapeForLog } from '../log/escape.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import { reprocessMessage } from '../pipeline/reprocess-message.js';
import { type CliIo, type GlobalOptions, loadConfigFor, loggerFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export function registerReprocess(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('reprocess')
    .description('re-run decryption, verification and parsing of a ticket\'s messages from their stored raw bytes (after a key import); never sends an acknowledgement')
    .argument('<id>', 'ticket id, e.g. XYZ-2026-00042')
    .action(async (id: string, _options: unknown, command: Command) => {
      setExit(await runReprocess(id, command.optsWithGlobals<GlobalOptions>(), io));
    });
}

/**
 * One JSON line per message on stdout ({ticket, seq, changed}) and one `message
 * reprocessed` log line each. The keys are read now, so a key imported since the
 * message arrived is used — that is the point of reprocessing.
 */
async function runReprocess(rawId: string, options: GlobalOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const parsed = parseTicketId(config.team.ticketPrefix, rawId.trim());
  if (!parsed) {
    writeLine(io.stderr, `intake reprocess: not a ticket id of this team: ${escapeForLog(rawId, 40)}`);
    return EXIT.usage;
  }
  const id = formatTicketId(config.team.ticketPrefix, parsed);
  const log = loggerFor(config, io.stderr);
  let app: App | null = null;
  try {
    app = await openApp({ config, logger: log.logger, env: io.env });
    const seqs = (await app.store.tickets.messages(id)).map((m) => m.seq);
    if (seqs.length === 0) {
      writeLine(io.stderr, `intake reprocess: no ticket ${id}`);
      return EXIT.noInput;
    }
    for (const seq of seqs) {
      const result = await reprocessMessage(id, seq, app.context);
      if (!result) continue;
      log.logger.info({ ticket: id, seq, changed: result.changed }, 'message reprocessed');
      writeLine(io.stdout, JSON.stringify(result));
    }
    return EXIT.ok;
  } catch (error) {
    log.logger.error({ ticket: id, err: escapeForLog((error as Error).message, 400) }, 'reprocess failed; the archived message is unchanged');
    return EXIT.tempFail;
  } finally {
    await app?.stop();
    log.flush();
  }
}
