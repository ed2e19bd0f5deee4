import { readFile } from 'node:fs/promises';
import type { SMTPServerOptions } from 'smtp-server';
import type { Config } from '../config/schema.js';
import { permanent } from '../model/errors.js';

/**
 * smtp-server options for an MX-style intake (docs/research/security.md §4, §8): no AUTH (we
 * are not a relay, so no client ever needs to log in), no XCLIENT/XFORWARD/PROXY (nobody
 * may rewrite the client address), strict address parsing, SIZE announced and also
 * enforced on the stream, bounded command lines, clients and idle time. STARTTLS is
 * offered only with a configured certificate — never smtp-server's built-in test
 * certificate, whose private key is public.
 */
export async function smtpServerOptions(smtp: Config['smtp']): Promise<SMTPServerOptions> {
  const tls = smtp.tls ? await readTlsFiles(smtp.tls) : null;
  return {
    ...sharedServerOptions(smtp),
    ...(tls ? { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' as const } : {}),
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
  };
}

/**
 * What SMTP and LMTP share (LMTP adds `lmtp: true` and never offers STARTTLS: it runs on
 * a local socket or a trusted network).
 */
export function sharedServerOptions(smtp: Config['smtp']): SMTPServerOptions {
  return {
    secure: false,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: smtp.maxMessageBytes,
    hideSize: false,
    // A message over the limit is answered 552 whatever else happens; the data handler
    // also stops keeping its bytes the moment the limit is passed.
    rejectOversized: true,
    maxClients: smtp.maxClients,
    maxRecipients: smtp.maxRecipients,
    maxCommandLength: smtp.maxCommandLength,
    socketTimeout: smtp.socketTimeoutSeconds * 1000,
    closeTimeout: smtp.closeTimeoutSeconds * 1000,
    disableReverseLookup: true,
    useXClient: false,
    useXForward: false,
    useProxy: false,
    lenientAddressParsing: false,
    hideDSN: true,
    // RFC 3463 codes (550 5.1.1, 552 5.3.4, 451 4.3.0) tell the sending MTA exactly why.
    hideENHANCEDSTATUSCODES: false,
    logger: false,
  };
}

async function readTlsFiles(files: { keyFile: string; certFile: string }): Promise<{ key: Buffer; cert: Buffer }> {
  try {
    return { key: await readFile(files.keyFile), cert: await readFile(files.certFile) };
  } catch (error) {
    throw permanent('smtp-tls-unreadable', `cannot read smtp.tls files: ${(error as Error).message}`, error);
  }
}
