import { domainToASCII } from 'node:url';

/**
 * A deliberately strict parser for a single RFC 5322 mailbox, used for From. Whatever
 * could make two parsers disagree about the address is refused rather than guessed:
 * comments (`a@good.example(x).evil.example`), groups, several mailboxes, quoted or
 * percent-hack local parts, encoded-words or whitespace in the addr-spec, text after `>`.
 * docs/research/security.md §1.2 lists the parser differentials this closes.
 */
export type MailboxParse =
  | { ok: true; address: string; displayName: string | null }
  | { ok: false; problem: string };

const LOCAL_ATOM = /^[A-Za-z0-9#$&'*+/=?^_`{|}~\p{L}\p{N}-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

function fail(problem: string): MailboxParse {
  return { ok: false, problem };
}

/**
 * Characters outside quoted strings, with quoted strings replaced by a placeholder.
 * Built from slices (one per quoted string), not a character at a time.
 */
function outsideQuotes(value: string): string | null {
  const out: string[] = [];
  let from = 0;
  for (let open = value.indexOf('"'); open !== -1; open = value.indexOf('"', from)) {
    // Adjacent quoted strings become one placeholder: only which characters lie outside matters.
    if (open > from || out.at(-1) !== 'Q') out.push(value.slice(from, open), 'Q');
    let i = open + 1;
    while (i < value.length && value[i] !== '"') i += value[i] === '\\' ? 2 : 1;
    if (i >= value.length) return null;
    from = i + 1;
  }
  out.push(value.slice(from));
  return out.join('');
}

export function parseAddrSpec(spec: string): MailboxParse {
  if (spec.length === 0) return fail('empty-address');
  if (spec.length > 254) return fail('address-too-long');
  if (spec.startsWith('"')) return fail('quoted-local-part');
  if (/\s/.test(spec)) return fail('whitespace-in-address');
  if (spec.includes('=?')) return fail('encoded-word-in-address');
  if (/[\x00-\x1f\x7f]/.test(spec)) return fail('control-character');
  const at = spec.lastIndexOf('@');
  if (at <= 0 || spec.indexOf('@') !== at) return fail('not-one-at-sign');
  const local = spec.slice(0, at);
  const domain = spec.slice(at + 1);
  if (/[%!]/.test(local)) return fail('source-route-local-part');
  if (local.length > 64 || !local.split('.').every((atom) => LOCAL_ATOM.test(atom))) {
    return fail('invalid-local-part');
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return fail('invalid-domain');
  }
  const ascii = domainToASCII(domain);
  if (!ascii || ascii.length > 253) return fail('invalid-domain');
  return { ok: true, address: `${local}@${domain.toLowerCase()}`, displayName: null };
}

export function parseStrictMailbox(raw: string): MailboxParse {
  const value = raw.trim();
  if (value.length === 0) return fail('empty');
  const bare = outsideQuotes(value);
  if (bare === null) return fail('unbalanced-quotes');
  if (bare.includes('(') || bare.includes(')')) return fail('comment');
  if (bare.includes(',')) return fail('several-mailboxes');
  if (bare.includes(':') || bare.includes(';')) return fail('group-syntax');

  const open = bare.indexOf('<');
  if (open === -1) {
    if (bare.includes('>')) return fail('unbalanced-angle-brackets');
    if (bare.includes('=?')) return fail('encoded-word-in-address');
    if (!bare.includes('@')) return fail('no-address');
    return parseAddrSpec(value);
  }
  const close = bare.indexOf('>');
  if (close < open || bare.indexOf('<', open + 1) !== -1 || bare.indexOf('>', close + 1) !== -1) {
    return fail('unbalanced-angle-brackets');
  }
  if (bare.slice(close + 1).trim() !== '') return fail('text-after-address');
  const phrase = bare.slice(0, open);
  if (phrase.includes('@')) return fail('address-in-display-name');
  // The quoted strings were replaced by one character each, so map indexes back through
  // the original: the angle-addr is the last <...> of the original value.
  const lt = value.lastIndexOf('<');
  const gt = value.lastIndexOf('>');
  const spec = parseAddrSpec(value.slice(lt + 1, gt));
  if (!spec.ok) return spec;
  const displayName = value.slice(0, lt).trim();
  return { ...spec, displayName: displayName.length ? displayName : null };
}

/** Lower-cased local part and ASCII (IDNA) domain, for comparing addresses. */
export function normalizeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address.toLowerCase();
  const domain = domainToASCII(address.slice(at + 1)) || address.slice(at + 1);
  return `${address.slice(0, at)}@${domain}`.toLowerCase();
}
