import type { SignatureVerdict } from '../model/message-record.js';

/**
 * A signature made far from the time the message says it was written (its `Date:`
 * header) is old content in a new envelope — a replayed or re-sent signed text. Thunderbird
 * then refuses the signed status altogether ("the signature wasn't made at the same time
 * the email message was sent"; RNP.sys.mjs getVerifyDetails, more than one hour apart, in
 * either direction). We keep the status, which says whether the signature itself holds,
 * and flag each such signer `date-mismatch` so a handler sees it.
 */
export const DATE_MISMATCH = 'date-mismatch';

export function flagDateMismatch(signature: SignatureVerdict, dateHeader: string | null, maxSkewMs: number): SignatureVerdict {
  const written = parseMessageDate(dateHeader);
  if (written === null || signature.signers.length === 0) return signature;
  const signers = signature.signers.map((signer) => {
    if (!signer.created || signer.flags.includes(DATE_MISMATCH)) return signer;
    const apart = Math.abs(Date.parse(signer.created) - written);
    return apart > maxSkewMs ? { ...signer, flags: [...signer.flags, DATE_MISMATCH] } : signer;
  });
  return { ...signature, signers };
}

/**
 * RFC 5322 §3.3 date-time (with its obsolete forms, which Date.parse also reads); null
 * when there is no Date header or it is not a date. Comments such as "(UTC)" are dropped.
 */
export function parseMessageDate(value: string | null): number | null {
  if (!value) return null;
  const text = value.slice(0, 200).replace(/\([^()]*\)/g, ' ').trim();
  if (!/^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}/.test(text)) return null;
  const time = Date.parse(text);
  return Number.isFinite(time) ? time : null;
}
