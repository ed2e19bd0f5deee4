import { escapeForLog } from '../log/escape.js';
import type { SMTPServerOptions } from 'smtp-server';
import type { Endpoint } from './listen-endpoint.js';
import { MailListener, type MailIntake, type ReceivedMessage } from './mail-listener.js';
import { smtpServerOptions } from './smtp-options.js';

export type SmtpIntake = MailIntake;

/**
 * The SMTP transport (RFC 5321), a thin adapter over the shared listener (mail-listener.ts):
 * it answers `250` once the message is committed to the store (`intake.accept`), then hands
 * it to the pipeline and forgets it — the sender need not wait for decryption and
 * ticketing. STARTTLS only with a configured certificate.
 */
export class SmtpListener extends MailListener {
  readonly name = 'smtp';

  /** The bound address (port 0 in the configuration picks a free port). */
  address(): { host: string; port: number } {
    const [bound] = this.boundEndpoints();
    if (bound?.kind !== 'tcp') throw new Error('the SMTP listener is not running');
    return { host: bound.host, port: bound.port };
  }

  protected endpoints(): Endpoint[] {
    const { host, port } = this.deps.config.smtp;
    return [{ kind: 'tcp', host, port }];
  }

  protected serverOptions(): Promise<SMTPServerOptions> {
    return smtpServerOptions(this.deps.config.smtp);
  }

  protected override startedFields(): Record<string, unknown> {
    return { starttls: this.deps.config.smtp.tls !== null };
  }

  protected async deliver({ raw, session, bareAt }: ReceivedMessage): Promise<string> {
    const { mailFrom, rcptTo } = session.envelope;
    const received = await this.acceptReceived(
      raw,
      {
        kind: 'smtp',
        mailFrom: mailFrom ? mailFrom.address : null,
        rcptTo: rcptTo.map((r) => r.address),
        remoteAddress: session.remoteAddress,
        imapUid: null,
        tls: session.secure,
        heloName: session.hostNameAppearsAs || null,
        ...(bareAt !== -1 ? { bareLineEndings: true } : {}),
      },
      session,
    );
    // The sender has its answer once the bytes are durable; processing goes on without it
    // (the app counts the outcome and schedules retries; app.stop drains the queue).
    this.deps.intake.process(received).catch((error: Error) => {
      this.deps.logger.error({ receipt: received.receiptId, err: escapeForLog(error.message, 300) }, 'smtp: processing failed unexpectedly; message stays in the store');
    });
    return `OK: queued as ${received.receiptId}`;
  }
}
