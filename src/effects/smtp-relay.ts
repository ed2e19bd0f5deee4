import nodemailer from 'nodemailer';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';

/**
 * Delivery of one outgoing message through the configured relay (nodemailer). The
 * envelope is fixed by RFC 3834 §3.3: MAIL FROM:<> — nothing can bounce back into an
 * automatic responder — and exactly one RCPT, with NOTIFY=NEVER when the relay
 * offers DSN (RFC 3461). The message bytes are sent exactly as composed and archived.
 */
export type DeliveryResult =
  | { kind: 'delivered'; response: string }
  | { kind: 'temporary' | 'permanent'; error: string; connection: boolean };

/**
 * `envelopeFrom` is empty (the null reverse-path) for acknowledgements and notices: they
 * are automatic responses (RFC 3834 §3.3, RFC 5321 §4.5.5). An operator's reply is mail
 * from the team, so its bounces come back to the team address.
 */
export type Deliver = ((raw: Buffer, recipient: string, envelopeFrom?: string) => Promise<DeliveryResult>) & {
  /** Closes the pooled connection to the relay. */
  close?: () => void;
};

/** nodemailer's codes for "could not talk to the relay at all". */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY']);

export async function createSmtpRelay(config: Config, env: NodeJS.ProcessEnv): Promise<Deliver> {
  const { outbound } = config;
  const password = await readSecret(outbound.passwordFile, SECRET_ENV.outboundPassword, env);
  const transport = nodemailer.createTransport({
    host: outbound.host ?? undefined,
    port: outbound.port,
    secure: outbound.secure,
    requireTLS: outbound.starttls === 'required',
    ignoreTLS: outbound.starttls === 'never',
    ...(outbound.user ? { auth: { user: outbound.user, pass: password ?? '' } } : {}),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // One connection kept open and reused for the acks that follow (a new TCP + EHLO +
    // STARTTLS per ack cost more than the ack itself); re-opened after 100 messages.
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
  });
  const deliver: Deliver = async (raw, recipient, envelopeFrom = '') => {
    try {
      const info = await transport.sendMail({
        envelope: { from: envelopeFrom, to: [recipient] },
        raw,
        dsn: { notify: 'NEVER' },
      });
      return { kind: 'delivered', response: String(info.response ?? '') };
    } catch (caught) {
      return classify(caught as { code?: string; responseCode?: number; message?: string });
    }
  };
  deliver.close = () => transport.close();
  return deliver;
}

/** 5xx is permanent (RFC 5321 §4.2.1), except a rejected login: that is ours to fix. */
export function classify(error: { code?: string; responseCode?: number; message?: string }): DeliveryResult {
  const message = String(error.message ?? error).slice(0, 300);
  const permanent = typeof error.responseCode === 'number' && error.responseCode >= 500 && error.code !== 'EAUTH';
  return {
    kind: permanent ? 'permanent' : 'temporary',
    error: message,
    connection: CONNECTION_CODES.has(error.code ?? '') || (error.responseCode === undefined && error.code !== 'EENVELOPE'),
  };
}
