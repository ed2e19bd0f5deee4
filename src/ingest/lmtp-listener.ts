import type { SMTPServer, SMTPServerAddress, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import type { Outcome } from '../model/outcome.js';
import { asIntakeError } from '../model/errors.js';
import { fileTransport, type TransportInfo } from '../model/transport.js';
import { HANDOFF_PARAM, LMTP_BANNER, parseHandoffFlags, restoreLf, storedReply, type HandoffFlag } from './lmtp-handoff.js';
import { greetAtOnce } from './greet-at-once.js';
import type { Endpoint } from './listen-endpoint.js';
import { MailListener, reply, type MailListenerDeps, type ReceivedMessage, type Reply } from './mail-listener.js';
import { sharedServerOptions } from './smtp-options.js';

export interface LmtpListenerDeps extends MailListenerDeps {
  config: Pick<Config, 'smtp' | 'team' | 'lmtp'>;
}

/**
 * The LMTP transport (RFC 2033) for the MTA in front of us — Postfix's or Exim's lmtp
 * transport — and for `intake ingest` handing its message to this daemon. It shares
 * everything with SMTP (mail-listener.ts) but the answer: LMTP is final delivery, so the
 * reply waits for the pipeline and carries the ticket (`250 2.6.0 stored as XYZ-2026-00042
 * seq 1 (new)`), one reply per accepted recipient (smtp-server repeats it). The message
 * is durable before that wait; if processing fails it stays in the store, is retried by
 * the daemon, and the answer is still `250` ("stored, processing deferred").
 */
export class LmtpListener extends MailListener {
  readonly name = 'lmtp';
  declare protected readonly deps: LmtpListenerDeps;

  constructor(deps: LmtpListenerDeps) {
    super(deps);
  }

  protected endpoints(): Endpoint[] {
    const { socket, socketMode, socketGroup, host, port } = this.deps.config.lmtp;
    const endpoints: Endpoint[] = [];
    if (socket !== null) endpoints.push({ kind: 'unix', path: socket, mode: parseInt(socketMode, 8), group: socketGroup });
    if (host !== null && port !== null) endpoints.push({ kind: 'tcp', host, port });
    return endpoints;
  }

  protected async serverOptions(): Promise<SMTPServerOptions> {
    return { ...sharedServerOptions(this.deps.config.smtp), lmtp: true, banner: LMTP_BANNER };
  }

  /**
   * The hand-off parameter only on the Unix socket; anywhere else it is unknown (RFC 5321
   * §4.1.1.11: 555), like every parameter of an extension we do not offer.
   */
  protected override checkMailFrom(address: SMTPServerAddress, endpoint: Endpoint): Reply | null {
    const { [HANDOFF_PARAM]: value, ...others } = (address.args || {}) as Record<string, string | true>;
    if (value !== undefined && endpoint.kind !== 'unix') return reply(555, `${HANDOFF_PARAM} is not recognised here`);
    if (value !== undefined && !parseHandoffFlags(value)) return reply(501, `Malformed ${HANDOFF_PARAM} parameter`);
    return super.checkMailFrom({ ...address, args: others }, endpoint);
  }

  /** No early-talker pause before the greeting (greet-at-once.ts): our clients are the MTA and `intake ingest`. */
  protected override prepareServer(server: SMTPServer): void {
    greetAtOnce(server);
  }

  protected override startedFields(): Record<string, unknown> {
    const { socketMode, socketGroup } = this.deps.config.lmtp;
    return { socketMode, socketGroup };
  }

  protected async deliver({ raw, session, bareAt }: ReceivedMessage): Promise<string> {
    const flags = handoffFlags(session);
    if (flags?.has('lf') && bareAt !== -1) throw reply(554, 'A hand-off with LF line endings must arrive as CRLF only');
    const bytes = flags?.has('lf') ? restoreLf(raw) : raw;
    const received = await this.acceptReceived(bytes, this.transportOf(session, flags, bareAt !== -1), session);
    let outcome: Outcome;
    try {
      outcome = await this.deps.intake.process(received);
    } catch (error) {
      this.deps.logger.error({ receipt: received.receiptId, err: escapeForLog((error as Error).message, 300) }, 'lmtp: processing failed unexpectedly; message stays in the store');
      outcome = { kind: 'retry', error: asIntakeError(error) };
    }
    return storedReply(outcome, received.receiptId);
  }

  private transportOf(session: SMTPServerSession, flags: Set<HandoffFlag> | null, bareLineEndings: boolean): TransportInfo {
    const { mailFrom, rcptTo } = session.envelope;
    const sender = mailFrom ? mailFrom.address : null;
    const recipients = rcptTo.map((r) => r.address);
    // A hand-off is recorded as `intake ingest` would have recorded it itself.
    if (flags) return fileTransport(flags.has('no-sender') ? null : sender, flags.has('no-recipient') ? [] : recipients);
    return {
      kind: 'lmtp',
      mailFrom: sender,
      rcptTo: recipients,
      remoteAddress: session.remoteAddress || null,
      imapUid: null,
      heloName: session.hostNameAppearsAs || null,
      ...(bareLineEndings ? { bareLineEndings: true } : {}),
    };
  }
}

function handoffFlags(session: SMTPServerSession): Set<HandoffFlag> | null {
  const args = session.envelope.mailFrom ? session.envelope.mailFrom.args : false;
  const value = args ? args[HANDOFF_PARAM] : undefined;
  return value === undefined ? null : parseHandoffFlags(value);
}
