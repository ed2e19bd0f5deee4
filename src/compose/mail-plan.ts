import type { Keyring } from '../keys/keyring.js';
import type { TeamKey } from '../keys/team-key.js';
import type { OutgoingKind, OutgoingMail } from '../model/outgoing-mail.js';
import { composeMail } from './compose-mail.js';
import type { OutgoingHeaders } from './mail-headers.js';

/**
 * Everything needed to compose one of our automatic messages again, as plain JSON: our
 * own headers and the rendered template — no text from the report. When composing fails
 * (the team key cannot sign), the plan is queued instead of the message, and the outbox
 * sender composes it later with the keys it has then (a reload after a key fix).
 */
export interface MailPlan {
  kind: OutgoingKind;
  headers: Omit<OutgoingHeaders, 'date'> & { date: string };
  text: string;
}

export interface ComposeKeys {
  team: TeamKey;
  keyring: Keyring;
}

/** Signed with the team key; encrypted too when the recipient has a currently valid curated key. */
export async function composePlanned(plan: MailPlan, keys: ComposeKeys): Promise<OutgoingMail> {
  const date = new Date(plan.headers.date);
  const key = await keys.keyring.encryptionKeyFor(plan.headers.to, date);
  return composeMail({
    kind: plan.kind,
    headers: { ...plan.headers, date },
    text: plan.text,
    team: keys.team,
    encryptTo: key ? [key] : [],
    date,
  });
}
