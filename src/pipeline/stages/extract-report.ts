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
  const { outerHeaders, headers, body } = draft;
  return untrusted(draft, ctx, 'understand', { outerHeaders, headers, body }, (understood) => ({ ...draft, ...understood }));
}
