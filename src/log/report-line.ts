import type { Draft } from '../model/draft.js';
import { escapeOrNull } from './escape.js';

/**
 * The fields of the one `report processed` line per message (DESIGN §8). Verdicts and
 * identifiers only: never the body, the Subject, decrypted text or attachment names.
 * The two addresses are attacker-controlled header/envelope values and are escaped.
 */
export function reportLogFields(draft: Draft, durationMs: number, maxList = 10) {
  const signers = draft.signature.signers.map((s) => s.fingerprint).filter(Boolean);
  const classes = draft.classification.map((c) => `${c.class}/${c.type}`);
  const placement = draft.placement;
  return {
    ticket: placement?.ticket ?? null,
    seq: placement?.seq ?? null,
    status: placement?.status ?? null,
    transport: draft.message.transport.kind,
    mailFrom: escapeOrNull(draft.message.transport.mailFrom),
    from: escapeOrNull(draft.from.address),
    fromValid: draft.from.valid,
    parse: draft.parse.status,
    encryption: draft.encryption.status,
    signature: draft.signature.status,
    // Bounded (limits.logListEntries): 10,000 signatures must not make a 420 KB log line.
    signers: signers.slice(0, maxList),
    ...(signers.length > maxList ? { signersNotListed: signers.length - maxList } : {}),
    urgent: draft.urgent.flag,
    classification: classes.slice(0, maxList),
    threading: draft.threading.kind,
    senderKnown: draft.threading.senderKnown,
    ack: draft.ack.status === 'suppressed' ? (draft.ack.suppressedReason ?? 'none') : draft.ack.status,
    onDuty: draft.ack.onDuty?.status ?? null,
    sha256: draft.message.sha256,
    durationMs: Math.round(durationMs),
  };
}
