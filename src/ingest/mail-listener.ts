import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/schema.js';
import type { Counters } from '../log/counters.js';
import { escapeForLog } from '../log/escape.js';
import type { Component, ComponentHealth } from '../model/component.js';
import type { ReceivedMessage as StoredReceipt } from '../model/draft.js';
import type { Outcome } from '../model/outcome.js';
import type { TransportInfo } from '../model/transport.js';
import { findBareLineEnding } from './line-endings.js';
import { describeEndpoint, listenOn, type Endpoint } from './listen-endpoint.js';
import { unknownParameter } from './esmtp-parameters.js';
import { receiveData } from './smtp-data.js';

/** What a listener needs from the app: the two verbs and the queue's back-pressure signal. */
export interface MailIntake {
  accept(raw: Buffer, transport: TransportInfo): Promise<StoredReceipt>;
  process(message: StoredReceipt): Promise<Outcome>;
  hasRoom(): boolean;
  /** Resolves once `hasRoom()` is true. */
  waitForRoom(): Promise<void>;
}

export interface MailListenerDeps {
  config: Pick<Config, 'smtp' | 'team'>;
  intake: MailIntake;
  logger: Logger;
  counters: Counters;
}

/** A message received in full and checked: what a protocol stores and answers. */
export interface ReceivedMessage {
  raw: Buffer;
  session: SMTPServerSession;
  endpoint: Endpoint;
  /** Offset of the first CR or LF outside CRLF (kept only under `bareLineEndings: accept`), or -1. */
  bareAt: number;
}

const BUSY_WARNING_INTERVAL_MS = 60_000;

export type Reply = Error & { responseCode: number };
export const reply = (responseCode: number, message: string): Reply => Object.assign(new Error(message), { responseCode });

/**
 * What SMTP (RFC 5321) and LMTP (RFC 2033) share, as smtp-server sessions on one or more
 * endpoints: recipients must be team addresses (`550 5.1.1`), the size limit is enforced
 * on the bytes actually sent (`552`), bare CR/LF is refused (`554`, policy `reject`), an
 * ESMTP parameter we do not implement is `555` (RFC 5321 §4.1.1.11),
 * DATA has a deadline (`421`), a full work queue holds the reply and then answers `451`
 * (back-pressure), and nothing is answered `250` before `intake.accept` has made the
 * bytes durable. Each protocol decides what it answers once they are (`deliver`).
 */
export abstract class MailListener implements Component {
  abstract readonly name: 'smtp' | 'lmtp';
  protected readonly deps: MailListenerDeps;
  private readonly teamAddresses: Set<string>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private servers: Array<{ endpoint: Endpoint; server: SMTPServer }> = [];
  private busyWarnedAt = -Infinity;
  private busyRefusals = 0;
  private closing = false;

  constructor(deps: MailListenerDeps) {
    this.deps = deps;
    this.teamAddresses = new Set(deps.config.team.addresses.map((a) => a.toLowerCase()));
  }

  /** Where to listen; at least one. */
  protected abstract endpoints(): Endpoint[];
  /** smtp-server options of this protocol (TLS, LMTP mode …) beside the shared ones. */
  protected abstract serverOptions(endpoint: Endpoint): Promise<SMTPServerOptions>;
  /** Stores a received message (through `acceptReceived`) and returns the `250` text. */
  protected abstract deliver(message: ReceivedMessage): Promise<string>;
  /** A refusal of MAIL FROM parameters this protocol does not take, or null (RFC 5321 §4.1.1.11: 555). */
  protected checkMailFrom(address: SMTPServerAddress, _endpoint: Endpoint): Reply | null {
    return this.refuseParameter('MAIL FROM', unknownParameter(address.args, 'mail'));
  }

  /** `555 5.5.4` for a parameter we do not implement (smtp-server adds the enhanced code). */
  protected refuseParameter(command: string, parameter: string | null): Reply | null {
    if (parameter === null) return null;
    this.deps.counters.add(`${this.name}.rejected.parameter`);
    return reply(555, `${command} parameter ${escapeForLog(parameter, 40)} not recognized or not implemented`);
  }
  /** A protocol's own adjustment of a new server instance, before it listens. */
  protected prepareServer(_server: SMTPServer): void {}
  /** Fields a listener adds to its start log line. */
  protected startedFields(): Record<string, unknown> {
    return {};
  }

  /** The bound addresses, in endpoint order (port 0 in the configuration picks a free port). */
  boundEndpoints(): Endpoint[] {
    return this.servers.map(({ endpoint, server }) => {
      if (endpoint.kind === 'unix') return endpoint;
      const bound = server.server.address() as AddressInfo;
      return { kind: 'tcp', host: bound.address, port: bound.port };
    });
  }

  /** Up while every endpoint is bound and no stop has begun (the start-up line, GET /healthz). */
  health(): ComponentHealth {
    const listening = this.servers.length > 0 && !this.closing && this.servers.every(({ server }) => server.server.listening);
    const address = this.boundEndpoints().map(describeEndpoint).join(' ') || null;
    return { kind: 'listener', up: listening, address, ...(listening ? {} : { detail: 'not listening' }) };
  }

  async start(): Promise<void> {
    for (const endpoint of this.endpoints()) {
      const server = await this.createServer(endpoint);
      try {
        await listenOn(server, endpoint);
      } catch (error) {
        await this.stop();
        throw error;
      }
      this.servers.push({ endpoint, server });
    }
    const { smtp } = this.deps.config;
    const endpoints = this.boundEndpoints();
    const first = endpoints[0]!;
    this.deps.logger.info(
      { ...(first.kind === 'tcp' ? { host: first.host, port: first.port } : {}), endpoints: endpoints.map(describeEndpoint), maxMessageBytes: smtp.maxMessageBytes, ...this.startedFields() },
      `${this.name} listener started`,
    );
  }

  /**
   * Stops accepting connections and commands (`421`), lets sessions that are in DATA
   * finish — their message is stored and answered — and waits for those writes.
   * Sessions still open after `closeTimeoutSeconds` are closed by smtp-server with `421`.
   */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const { servers } = this;
    const closed = servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const { server } of servers) {
      for (const connection of server.connections) if (!connection._dataStream) this.closeSession(connection.id);
    }
    await Promise.all(closed);
    await Promise.allSettled([...this.inFlight]);
    this.servers = [];
    if (servers.length > 0) this.deps.logger.info(`${this.name} listener stopped`);
  }

  private async createServer(endpoint: Endpoint): Promise<SMTPServer> {
    const server = new SMTPServer({
      ...(await this.serverOptions(endpoint)),
      onMailFrom: (address, _session, callback) => {
        const refused = this.checkMailFrom(address, endpoint);
        if (refused) return callback(refused);
        void this.waitForRoom().then((room) => callback(room ? null : this.refuseBusy()));
      },
      onRcptTo: (address, session, callback) => callback(this.refuseParameter('RCPT TO', unknownParameter(address.args, 'rcpt')) ?? this.onRcptTo(address, session)),
      onData: (stream, session, callback) => {
        const work = this.onData(stream, session, endpoint)
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
    this.prepareServer(server);
    // Client-side failures (resets, TLS errors) arrive here; they concern one session only.
    server.on('error', (error: Error & { code?: string }) => {
      this.deps.logger.debug({ code: error.code ?? null, err: escapeForLog(error.message, 200) }, `${this.name} session error`);
    });
    return server;
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
    this.deps.counters.add(`${this.name}.rejected.recipient`);
    this.deps.logger.debug({ session: session.id, rcptTo: escapeForLog(address.address, 120) }, `${this.name} recipient refused`);
    // RFC 5321 §3.6.2: we are no relay. smtp-server adds the enhanced code 5.1.1 to 550.
    return reply(550, 'No such recipient here');
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, endpoint: Endpoint): Promise<string> {
    const { smtp } = this.deps.config;
    const { counters, logger } = this.deps;
    const received = await receiveData(stream, smtp.dataTimeoutSeconds * 1000, () => this.abortSession(session));
    const where = { session: session.id, remoteAddress: session.remoteAddress || null };
    if (received.kind === 'aborted') {
      counters.add(`${this.name}.aborted.${received.reason}`);
      logger.info({ ...where, reason: received.reason }, `${this.name} message not received in full; nothing kept`);
      throw reply(421, 'Timeout: message not received in time');
    }
    if (received.kind === 'too-large') {
      counters.add(`${this.name}.rejected.size`);
      logger.info({ ...where, bytes: received.bytes }, `${this.name} message refused: over the size limit`);
      throw reply(552, `Message exceeds fixed maximum message size ${smtp.maxMessageBytes}`);
    }
    const bareAt = findBareLineEnding(received.raw);
    if (bareAt !== -1 && smtp.bareLineEndings === 'reject') {
      counters.add(`${this.name}.rejected.bare-line-ending`);
      logger.info({ ...where, offset: bareAt }, `${this.name} message refused: bare CR or LF`);
      throw reply(554, 'Bare CR or LF in message; lines must end with CRLF (RFC 5321 section 2.3.8)');
    }
    if (!(await this.waitForRoom())) throw this.refuseBusy();
    return this.deliver({ raw: received.raw, session, endpoint, bareAt });
  }

  /** `intake.accept`: durable, or `451` and the sender keeps the message. */
  protected async acceptReceived(raw: Buffer, transport: TransportInfo, session: SMTPServerSession): Promise<StoredReceipt> {
    let received: StoredReceipt;
    try {
      received = await this.deps.intake.accept(raw, transport);
    } catch (error) {
      this.deps.counters.add(`${this.name}.tempfail.store`);
      this.deps.logger.error({ err: escapeForLog((error as Error).message, 300) }, 'cannot write to the store; answered 451');
      throw reply(451, 'Local error: cannot store the message now, try again later');
    }
    this.deps.counters.add(`${this.name}.accepted`);
    this.deps.logger.debug({ session: session.id, receipt: received.receiptId, bytes: raw.length }, `${this.name} message accepted`);
    return received;
  }

  /**
   * Back-pressure: under sustained load the queue fills and empties many times a second,
   * so the warning is written at most once a minute, with the number of 451s since the
   * last one (the health line counts them all).
   */
  private refuseBusy(): Reply {
    this.deps.counters.add(`${this.name}.tempfail.busy`);
    this.busyRefusals++;
    const now = Date.now();
    if (now - this.busyWarnedAt >= BUSY_WARNING_INTERVAL_MS) {
      this.deps.logger.warn({ refused: this.busyRefusals }, `${this.name} back-pressure: the work queue is full, answering 451`);
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
    for (const { server } of this.servers) for (const connection of server.connections) if (connection.id === id) return connection;
    return undefined;
  }

  /** Remembers a DATA transaction until its answer is sent, so stop() can wait for it. */
  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }
}
