import type { Draft } from '../../model/draft.js';
import type { StageContext } from '../stage.js';
import { untrusted } from '../untrusted.js';

/**
 * Understands the report (docs/research/forms.md; RFC 2350 §3.6 reporting forms): which form
 * or machine format it is, its fields with their raw text, the indicators (declared
 * hosts apart from candidates in free text), the TLP label, the RSIT classification and
 * the priority. Reads only the body the earlier stages produced — the decrypted payload
 * when there was one. Nothing of it is logged: the log line carries the classification.
 */
export async function extractReport(draft: Draft, ctx: StageContext): Promise<Draft> {
  if (draft.parse.status !== 'ok') return draft;
  // Understood ahead, in parse-mime's sandbox call, from the body unwrap-openpgp gives
  // a message whose ciphertext is no replay; a replay's body is the outer one, read here.
  const ahead = draft.reading?.understood;
  if (ahead && draft.encryption.replayOf === null) return { ...draft, ...ahead };
  const { outerHeaders, headers, body } = draft;
  return untrusted(draft, ctx, 'understand', { outerHeaders, headers, body }, (understood) => ({ ...draft, ...understood }));
}
