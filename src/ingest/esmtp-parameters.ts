/**
 * ESMTP parameters we implement, by command: only those of the extensions the EHLO
 * answer advertises — SIZE (RFC 1870), BODY=7BIT|8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531).
 * DSN is not offered (smtp-server's hideDSN), so RET/ENVID/NOTIFY/ORCPT are unknown here.
 * RFC 5321 §4.1.1.11: a parameter the server does not recognise or cannot implement is
 * answered 555, rather than silently ignored.
 */
const IMPLEMENTED = {
  mail: new Set(['SIZE', 'BODY', 'SMTPUTF8']),
  rcpt: new Set<string>(),
} as const;

/** The first parameter of `args` (smtp-server's parsed, upper-cased keys) we do not implement. */
export function unknownParameter(args: unknown, command: keyof typeof IMPLEMENTED): string | null {
  if (!args || typeof args !== 'object') return null;
  for (const key of Object.keys(args)) if (!IMPLEMENTED[command].has(key.toUpperCase())) return key.toUpperCase();
  return null;
}
