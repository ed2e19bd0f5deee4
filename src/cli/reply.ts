import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import pino from 'pino';
import { composeReply, replyTextProblems } from '../compose/compose-reply.js';
import { domainOf } from '../compose/mail-headers.js';
import { loadKeyring } from '../keys/keyring.js';
import { loadTeamKey } from '../keys/load-team-key.js';
import { escapeForLog } from '../log/escape.js';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import { readHeaders } from '../model/raw-headers.js';
import { normalizeAddress } from '../model/strict-mailbox.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import { hardenedOpenpgpConfig } from '../openpgp/openpgp-config.js';
import { openStore } from '../store/open-store.js';
import { queueReply } from '../store/replies.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

interface ReplyOptions extends GlobalOptions {
  file?: string;
  subject?: string;
  to?: string;
  requireEncryption?: boolean;
}

export const REPLY_DESCRIPTION = "answer the reporter in the ticket's thread: the operator's text, signed by the team key, encrypted when the reporter has a curated key; queued and delivered like acknowledgements";

/**
 * `intake reply ID --file BODY`: the operator's answer (compose/compose-reply.ts) queued
 * in the store's outbox, kept in the ticket, its Message-ID registered so the reporter's
 * answer threads back. Signed with the team key read here (its passphrase from
 * pgp.passphraseFile or env, as serve reads it); the recipient's key from the curated
 * keyring only.
 */
export function registerReply(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('reply')
    .description(REPLY_DESCRIPTION)
    .argument('<id>', 'ticket id, e.g. XYZ-2026-00042')
    .requiredOption('--file <body>', 'the reply text (UTF-8), or - for standard input')
    .option('--subject <text>', 'Subject (the ticket tag is added); default: Re: [tag] and the ticket’s Subject')
    .option('--to <address>', 'another correspondent of the ticket instead of the reporter')
    .option('--require-encryption', 'refuse to send unless the recipient has a usable curated key')
    .action(async (id: string, _options: unknown, command: Command) => {
      setExit(await reply(id, command.optsWithGlobals<ReplyOptions>(), io));
    });
}

async function reply(rawId: string, options: ReplyOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const fail = (code: number, text: string) => (writeLine(io.stderr, `intake reply: ${text}`), code);
  const parsed = parseTicketId(config.team.ticketPrefix, rawId.trim());
  if (!parsed) return fail(EXIT.usage, `not a ticket id of this team: ${escapeForLog(rawId, 40)}`);
  const id = formatTicketId(config.team.ticketPrefix, parsed);
  const body = await readBody(options.file!, io).catch((error: Error) => error);
  if (body instanceof Error) return fail(EXIT.noInput, `cannot read ${escapeForLog(options.file!, 200)}: ${escapeForLog(body.message, 200)}`);
  const problems = replyTextProblems(body);
  if (problems.length > 0) return fail(EXIT.dataErr, problems.join('; '));

  const store = await openStore(config, io.env);
  try {
    const ticket = await store.tickets.get(id);
    if (!ticket) return fail(EXIT.noInput, `no ticket ${id}`);
    const to = recipientOf(ticket, options.to);
    if (!to) return fail(EXIT.usage, options.to ? `${escapeForLog(options.to, 80)} is not a correspondent of ${id}` : `${id} has no reporter address to answer`);
    const parent = lastMessageFrom(await store.tickets.messages(id), to);
    if (!parent) return fail(EXIT.noInput, `${id} has no message to answer`);
    const raw = (await store.tickets.raw(parent.sha256)) ?? Buffer.alloc(0);

    const now = new Date();
    // The same judgement as serve's: a team key that cannot sign under the hardened policy
    // (expired, revoked, DSA) is refused here too, with the reason.
    const loaded = await loadTeamKey(config, io.env, now).catch((error: Error) => error);
    if (loaded instanceof Error) return fail(EXIT.config, escapeForLog(loaded.message, 400));
    const team = loaded.key;
    const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, team.isRsa));
    const messageId = `reply.${id}.${randomBytes(8).toString('hex')}@${domainOf(config.team.ackFrom)}`;
    const composed = await composeReply({
      ticket: id,
      text: body.toString('utf8'),
      to,
      subject: options.subject ?? null,
      ticketSubject: ticket.subject,
      parentHeaders: readHeaders(raw),
      messageId,
      teamName: config.team.name,
      fromAddress: config.team.ackFrom,
      team,
      encryptTo: await keyring.encryptionKeyFor(to, now),
      requireEncryption: options.requireEncryption ?? false,
      date: now,
    });
    if (composed.kind === 'refused') {
      return fail(EXIT.unavailable, `${escapeForLog(to, 80)} has no usable key in the curated keyring, and --require-encryption forbids sending in clear`);
    }
    const queued = await queueReply(store.sql, {
      ticket: id,
      recipient: to,
      subject: composed.subject,
      messageId,
      encrypted: composed.encrypted,
      body: body.toString('utf8'),
      inReplyTo: composed.inReplyTo,
      raw: composed.raw,
      parent: { sha256: parent.sha256, seq: parent.seq },
      at: now,
    });
    if (!queued) return fail(EXIT.noInput, `no ticket ${id}`);
    writeLine(io.stdout, `${id} reply ${queued.n} queued to ${escapeForLog(to, 80)} (signed${composed.encrypted ? ' and encrypted' : ', not encrypted: no curated key'})`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function readBody(file: string, io: CliIo): Promise<Buffer> {
  if (file !== '-') return readFile(file);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The reporter, or a correspondent the operator names: never an address the ticket has not seen. */
function recipientOf(ticket: TicketRecord, to: string | undefined): string | null {
  if (to === undefined) return ticket.reporter.address;
  const wanted = normalizeAddress(to.trim());
  return ticket.correspondents.includes(wanted) || (ticket.reporter.address && normalizeAddress(ticket.reporter.address) === wanted) ? wanted : null;
}

/** The newest message from the recipient (else the newest at all): what the reply answers. */
function lastMessageFrom(messages: MessageRecord[], address: string): MessageRecord | null {
  const wanted = normalizeAddress(address);
  const from = (m: MessageRecord) => [m.transport.mailFrom, m.from.address].some((a) => a && normalizeAddress(a) === wanted);
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  return sorted.filter(from).at(-1) ?? sorted.at(-1) ?? null;
}
