import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/schema.js';
import type { Counters } from '../log/counters.js';
import { escapeForLog } from '../log/escape.js';
import type { Component } from '../model/component.js';
import type { SpooledMessage } from '../model/draft.js';
import type { Outcome } from '../model/outcome.js';
import type { TransportInfo } from '../model/transport.js';
import { findBareLineEnding } from './line-endings.js';
import { receiveData } from './smtp-data.js';
import { smtpServerOptions } from './smtp-options.js';

/** What the listener needs from the app: the two verbs and the queue's back-pressure signal. */
export interface SmtpIntake {
  accept(raw: Buffer, transport: TransportInfo): Promise<SpooledMessage>;
  process(message: SpooledMessage): Promise<Outcome>;
  hasRoom(): boolean;
  /** Resolves once `hasRoom()` is true. */
  waitForRoom(): Promise<void>;
}

export interface SmtpListenerDeps {
  config: Pick<Config, 'smtp' | 'team'>;
  intake: SmtpIntake;
  logger: Logger;
  counters: Counters;
}

const BUSY_WARNING_INTERVAL_MS = 60_000;

type Reply = Error & { responseCode: number };
const reply = (responseCode: number, message: string): Reply => Object.assign(new Error(message), { responseCode });

/**
 * The SMTP transport (RFC 5321), a thin adapter: it answers `250` only once the message
 * is fsync'd in the spool (`intake.accept`), then hands it to the pipeline and forgets
 * it. Every other answer is a refusal that leaves the message with the sender:
 * `550 5.1.1` for a recipient that is not a team address, `552` over the size limit,
 * `554` for bare CR/LF (policy `reject`), `451` when the spool cannot be written or the
 * work queue is full (back-pressure), `421` on timeouts and on shutdown.
 */
export class SmtpListener implements Component {
  readonly name = 'smtp';
  private readonly deps: SmtpListenerDeps;
  private readonly teamAddresses: Set<string>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private server: SMTPServer | null = null;
  private busyWarnedAt = -Infinity;
  private busyRefusals = 0;
  private closing = false;

  constructor(deps: SmtpListenerDeps) {
    this.deps = deps;
    this.teamAddresses = new Set(deps.config.team.addresses.map((a) => a.toLowerCase()));
  }

  /** The bound address (port 0 in the configuration picks a free port). */
  address(): { host: string; port: number } {
    const bound = this.server?.server.address() as AddressInfo | null | undefined;
    if (!bound) throw new Error('the SMTP listener is not running');
    return { host: bound.address, port: bound.port };
  }

  async start(): Promise<void> {
    const { smtp } = this.deps.config;
    const server = new SMTPServer({
      ...(await smtpServerOptions(smtp)),
      onMailFrom: (_address, _session, callback) => {
        void this.waitForRoom().then((room) => callback(room ? null : this.refuseBusy()));
      },
      onRcptTo: (address, session, callback) => callback(this.onRcptTo(address, session)),
      onData: (stream, session, callback) => {
        const work = this.onData(stream, session)
          .then(
            (message) => callback(null, message),
            (error: Error) => callback(error),
          )
          .then(() => {
            // During shutdown a session that just got its answer is not kept open for more.
            if (this.closing) setImmediate(() => this.closeSession(session.id));
          });
        this.track(work);
      },
    });
    // Client-side failures (resets, TLS errors) arrive here; they concern one session only.
    server.on('error', (error: Error & { code?: string }) => {
      this.deps.logger.debug({ code: error.code ?? null, err: escapeForLog(error.message, 200) }, 'smtp session error');
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(smtp.port, smtp.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.deps.logger.info({ ...this.address(), starttls: smtp.tls !== null, maxMessageBytes: smtp.maxMessageBytes }, 'smtp listener started');
  }

  /**
   * Stops accepting connections and commands (`421`), lets sessions that are in DATA
   * finish — their message is spooled and answered — and waits for those spool writes.
   * Sessions still open after `closeTimeoutSeconds` are closed by smtp-server with `421`.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || this.closing) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of server.connections) {
      if (!connection._dataStream) this.closeSession(connection.id);
    }
    await closed;
    this.server = null;
    await Promise.allSettled([...this.inFlight]);
    this.deps.logger.info('smtp listener stopped');
  }

  /**
   * Back-pressure: while the work queue is full, hold the reply (to MAIL FROM, or to the
   * final dot) for up to `busyWaitSeconds` — the sender simply waits, as behind any slow
   * MTA — and answer 451 only if there is still no room then. True when there is room.
   */
  private async waitForRoom(): Promise<boolean> {
    if (this.deps.intake.hasRoom()) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.config.smtp.busyWaitSeconds * 1000)));
    await Promise.race([this.deps.intake.waitForRoom(), timeout]);
    clearTimeout(timer);
    return this.deps.intake.hasRoom();
  }

  private onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Reply | null {
    if (this.teamAddresses.has(address.address.toLowerCase())) return null;
    this.deps.counters.add('smtp.rejected.recipient');
    this.deps.logger.debug({ session: session.id, rcptTo: escapeForLog(address.address, 120) }, 'smtp recipient refused');
    // RFC 5321 §3.6.2: we are no relay. smtp-server adds the enhanced code 5.1.1 to 550.
    return reply(550, 'No such recipient here');
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const { smtp } = this.deps.config;
    const received = await receiveData(stream, smtp.dataTimeoutSeconds * 1000, () => this.abortSession(session));
    if (received.kind === 'aborted') {
      this.deps.counters.add(`smtp.aborted.${received.reason}`);
      this.deps.logger.info({ session: session.id, remoteAddress: session.remoteAddress, reason: received.reason }, 'smtp message not received in full; nothing kept');
      throw reply(421, 'Timeout: message not received in time');
    }
    if (received.kind === 'too-large') {
      this.deps.counters.add('smtp.rejected.size');
      this.deps.logger.info({ session: session.id, remoteAddress: session.remoteAddress, bytes: received.bytes }, 'smtp message refused: over the size limit');
      throw reply(552, `Message exceeds fixed maximum message size ${smtp.maxMessageBytes}`);
    }
    const bareAt = findBareLineEnding(received.raw);
    if (bareAt !== -1 && smtp.bareLineEndings === 'reject') {
      this.deps.counters.add('smtp.rejected.bare-line-ending');
      this.deps.logger.info({ session: session.id, remoteAddress: session.remoteAddress, offset: bareAt }, 'smtp message refused: bare CR or LF');
      throw reply(554, 'Bare CR or LF in message; lines must end with CRLF (RFC 5321 section 2.3.8)');
    }
    if (!(await this.waitForRoom())) throw this.refuseBusy();

    let spooled: SpooledMessage;
    try {
      spooled = await this.deps.intake.accept(received.raw, this.transportOf(session, bareAt !== -1));
    } catch (error) {
      this.deps.counters.add('smtp.tempfail.spool');
      this.deps.logger.error({ err: escapeForLog((error as Error).message, 300) }, 'cannot write to the spool; answered 451');
      throw reply(451, 'Local error: cannot store the message now, try again later');
    }
    this.deps.counters.add('smtp.accepted');
    this.deps.logger.debug({ session: session.id, spoolId: spooled.spoolId, bytes: received.raw.length }, 'smtp message accepted');
    // The sender has its answer once the bytes are durable; processing goes on without it
    // (the app counts the outcome and schedules retries; app.stop drains the queue).
    this.deps.intake.process(spooled).catch((error: Error) => {
      this.deps.logger.error({ spoolId: spooled.spoolId, err: escapeForLog(error.message, 300) }, 'smtp: processing failed unexpectedly; message stays in the spool');
    });
    return `OK: queued as ${spooled.spoolId}`;
  }

  private transportOf(session: SMTPServerSession, bareLineEndings: boolean): TransportInfo {
    const { mailFrom, rcptTo } = session.envelope;
    return {
      kind: 'smtp',
      mailFrom: mailFrom ? mailFrom.address : null,
      rcptTo: rcptTo.map((r) => r.address),
      remoteAddress: session.remoteAddress,
      imapUid: null,
      tls: session.secure,
      heloName: session.hostNameAppearsAs || null,
      ...(bareLineEndings ? { bareLineEndings: true } : {}),
    };
  }

  /**
   * Back-pressure: under sustained load the queue fills and empties many times a second,
   * so the warning is written at most once a minute, with the number of 451s since the
   * last one (the health line counts them all).
   */
  private refuseBusy(): Reply {
    this.deps.counters.add('smtp.tempfail.busy');
    this.busyRefusals++;
    const now = Date.now();
    if (now - this.busyWarnedAt >= BUSY_WARNING_INTERVAL_MS) {
      this.deps.logger.warn({ refused: this.busyRefusals }, 'smtp back-pressure: the work queue is full, answering 451');
      this.busyWarnedAt = now;
      this.busyRefusals = 0;
    }
    return reply(451, 'Too busy, try again later');
  }

  /** DATA overran its deadline: answer 421 and drop the connection; nothing was kept. */
  private abortSession(session: SMTPServerSession): void {
    const connection = this.connection(session.id);
    if (!connection) return;
    connection.send(421, 'Timeout: message not received in time');
    // close() would only half-close and wait for the client; this sender is hostile or broken.
    connection._socket.destroy();
  }

  /** Shutdown: `421` (RFC 5321 §3.8) to a session that is not in the middle of DATA. */
  private closeSession(id: string): void {
    this.connection(id)?.send(421, 'Server shutting down'); // send(421) also closes
  }

  private connection(id: string) {
    for (const connection of this.server?.connections ?? []) if (connection.id === id) return connection;
    return undefined;
  }

  /** Remembers a DATA transaction until its answer is sent, so stop() can wait for it. */
  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }
}
