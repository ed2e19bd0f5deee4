import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';
import type { Counters } from '../log/counters.js';
import { escapeForLog } from '../log/escape.js';
import { backoffDelayMs, backoffFromSeconds } from '../model/backoff.js';
import type { Component, ComponentHealth } from '../model/component.js';
import { permanent } from '../model/errors.js';
import { drainMailbox, type ImapIntake } from './imap-drain.js';
import { ImapSeen, imapMailboxKey } from './imap-seen.js';
import type { ImapState } from '../store/store.js';

export interface ImapWatcherDeps {
  config: Pick<Config, 'imap'>;
  imapState: ImapState;
  intake: ImapIntake;
  logger: Logger;
  counters: Counters;
  env: NodeJS.ProcessEnv;
}

type LinkState = 'starting' | 'connected' | 'down';

/** Longest a stop waits for the message in hand before the connection is cut. */
const STOP_GRACE_MS = 30_000;

/**
 * The IMAP transport: logs in, drains `imap.mailbox` (imap-drain.ts), then waits for the
 * server's news with IDLE (RFC 2177) — imapflow falls back to polling with NOOP when
 * the server lacks IDLE — and drains again on every new message, and at least every
 * `pollSeconds`. A lost connection is retried forever with capped exponential backoff
 * and jitter; the log says so once per change of state, not once per attempt.
 */
export class ImapWatcher implements Component {
  readonly name = 'imap';
  private readonly deps: ImapWatcherDeps;
  private readonly seen: ImapSeen;
  private readonly fetchFailures = new Map<string, number>();
  private state: LinkState = 'starting';
  private stopping = false;
  private loop: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  private loggedIn = false;
  private waiting: { done: () => void; wakeOnNewMail: boolean } | null = null;
  /** The last failure was the server refusing our login (said once at error, until a login works). */
  private loginRefused = false;
  private connectedOnce = false;
  private newMail = false;

  constructor(deps: ImapWatcherDeps) {
    this.deps = deps;
    this.seen = new ImapSeen(deps.imapState, imapMailboxKey(deps.config.imap));
  }

  health(): ComponentHealth {
    const { imap } = this.deps.config;
    return { kind: 'link', up: this.state === 'connected', address: `${imap.user ?? ''}@${imap.host ?? ''}:${imap.port}/${imap.mailbox}`, detail: this.state };
  }

  async start(): Promise<void> {
    const password = await readSecret(this.deps.config.imap.passwordFile, SECRET_ENV.imapPassword, this.deps.env);
    if (password === null) {
      throw permanent('imap-password-missing', `imap.passwordFile or env ${SECRET_ENV.imapPassword} must give the IMAP password`);
    }
    await this.seen.load();
    this.stopping = false;
    this.loop = this.run(password);
  }

  /** Finishes the message in hand (spooled and moved), logs out, and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt('stop');
    const loop = this.loop;
    if (!loop) return;
    // Still logging in: no message is in hand, nothing to finish.
    if (!this.loggedIn) this.client?.close();
    const grace = setTimeout(() => this.client?.close(), STOP_GRACE_MS);
    grace.unref();
    await loop;
    clearTimeout(grace);
    this.loop = null;
    this.deps.logger.info('imap watcher stopped');
  }

  private async run(password: string): Promise<void> {
    const { imap } = this.deps.config;
    const policy = backoffFromSeconds(imap.reconnectMinSeconds, imap.reconnectMaxSeconds);
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.session(password, () => {
          failures = 0;
        });
        if (!this.stopping) this.linkDown('the server closed the connection');
      } catch (error) {
        if (!this.stopping) this.linkDown(error);
      }
      if (this.stopping) break;
      const delayMs = backoffDelayMs(failures++, policy);
      this.deps.logger.debug({ attempt: failures, delayMs }, 'imap reconnect scheduled');
      await this.pause(delayMs, false);
    }
  }

  /** One connection, from login to close. Throws on any IMAP or network failure. */
  private async session(password: string, onConnected: () => void): Promise<void> {
    const { imap } = this.deps.config;
    const client = this.createClient(password);
    this.client = client;
    client.on('error', (error: Error & { code?: string }) => {
      this.deps.logger.debug({ code: error.code ?? null, err: escapeForLog(error.message, 200) }, 'imap connection error');
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    try {
      await client.connect();
      await client.mailboxCreate(imap.processedMailbox);
      await client.mailboxCreate(imap.failedMailbox);
      await client.mailboxOpen(imap.mailbox);
      this.loggedIn = true;
      if (this.stopping) return;
      onConnected();
      this.linkUp();
      client.on('exists', (event: { count: number; prevCount: number }) => {
        if (event.count > event.prevCount) this.interrupt('new-mail');
      });
      while (!this.stopping && client.usable) {
        this.newMail = false;
        await drainMailbox({
          client,
          imap,
          intake: this.deps.intake,
          seen: this.seen,
          logger: this.deps.logger,
          counters: this.deps.counters,
          fetchFailures: this.fetchFailures,
          stopping: () => this.stopping,
        });
        if (this.stopping) break;
        // imapflow enters IDLE by itself while we wait; new mail breaks the wait.
        await Promise.race([this.pause(imap.pollSeconds * 1000, true), closed]);
        this.waiting?.done();
      }
    } finally {
      this.client = null;
      this.loggedIn = false;
      if (this.stopping && client.usable) {
        await client.logout().catch(() => client.close());
      } else {
        client.close();
      }
    }
  }

  private createClient(password: string): ImapFlow {
    const { imap } = this.deps.config;
    return new ImapFlow({
      host: imap.host ?? '',
      port: imap.port,
      secure: imap.secure,
      auth: { user: imap.user ?? '', pass: password },
      logger: false,
      clientInfo: { name: 'csirt-intake' },
      socketTimeout: imap.socketTimeoutSeconds * 1000,
      connectionTimeout: Math.min(imap.socketTimeoutSeconds, 90) * 1000,
      greetingTimeout: Math.min(imap.socketTimeoutSeconds, 16) * 1000,
      // IDLE soon after a pass, so new mail is announced at once; restarted every pollSeconds
      // (RFC 2177 asks for less than 29 minutes), which is also the poll interval without IDLE.
      autoIdleDelay: 500,
      maxIdleTime: imap.pollSeconds * 1000,
      missingIdleCommand: 'NOOP',
      // A server announcing a huge literal (cf. CPython gh-119511) cannot make us allocate it.
      maxLiteralSize: imap.maxMessageBytes + 64 * 1024,
      maxResponseSize: 2 * (imap.maxMessageBytes + 64 * 1024),
    });
  }

  /**
   * Waits `ms`, or less when stopping — or, for the wait between passes, when new mail
   * was announced. The reconnect backoff is never shortened by news from a dead session.
   */
  private pause(ms: number, wakeOnNewMail: boolean): Promise<void> {
    if (this.stopping || (wakeOnNewMail && this.newMail)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.waiting?.done === done) this.waiting = null;
        resolve();
      };
      // Not unref'd: with SMTP disabled this wait is what keeps `intake serve` alive.
      const timer = setTimeout(done, ms);
      this.waiting = { done, wakeOnNewMail };
    });
  }

  /** New mail (from the 'exists' event) or a stop: ends the current wait if it may end early. */
  private interrupt(reason: 'new-mail' | 'stop'): void {
    if (reason === 'new-mail') this.newMail = true;
    if (this.waiting && (reason === 'stop' || this.waiting.wakeOnNewMail)) this.waiting.done();
  }

  private linkUp(): void {
    const { imap } = this.deps.config;
    this.loginRefused = false;
    this.connectedOnce = true;
    if (this.state !== 'connected') {
      this.deps.logger.info({ host: imap.host, port: imap.port, mailbox: imap.mailbox, reconnected: this.state === 'down' }, 'imap connected');
    }
    this.state = 'connected';
  }

  private linkDown(cause: unknown): void {
    const error = cause instanceof Error ? (cause as Error & { code?: string; authenticationFailed?: boolean; response?: unknown; serverResponseCode?: string }) : null;
    const refused = error?.authenticationFailed === true;
    const details = {
      reason: escapeForLog(error ? error.message : String(cause), 200),
      code: error?.code ?? null,
      authenticationFailed: refused,
    };
    const wasDown = this.state === 'down';
    const refusedBefore = this.loginRefused;
    this.state = 'down';
    this.loginRefused = refused;
    if (refused && !refusedBefore) {
      // Not a network blip that will mend itself: retrying cannot help until someone
      // fixes the credentials, so it is an error, with the server's own words (escaped).
      const { imap } = this.deps.config;
      this.deps.logger.error(
        {
          ...details,
          host: imap.host,
          port: imap.port,
          user: escapeForLog(imap.user ?? '', 120),
          serverResponse: escapeForLog(typeof error?.response === 'string' ? error.response : '', 300),
          serverResponseCode: error?.serverResponseCode ? escapeForLog(error.serverResponseCode, 40) : null,
        },
        `imap login refused for ${escapeForLog(imap.user ?? '', 120)}@${imap.host}:${imap.port} (check imap.user and imap.passwordFile or env ${SECRET_ENV.imapPassword}); retrying with backoff`,
      );
    } else if (!wasDown) {
      this.deps.logger.warn(details, this.connectedOnce ? 'imap connection lost; reconnecting with backoff' : 'imap cannot connect; retrying with backoff');
    } else {
      this.deps.logger.debug(details, 'imap reconnect failed');
    }
  }
}
