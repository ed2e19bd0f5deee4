import type { Draft } from '../../model/draft.js';
import { understandReport } from '../../report/understand-report.js';
import type { StageContext } from '../stage.js';

/**
 * Understands the report (docs/research/forms.md; RFC 2350 §3.6 reporting forms): which form
 * or machine format it is, its fields with their raw text, the indicators (declared
 * hosts apart from candidates in free text), the TLP label, the RSIT classification and
 * the priority. Reads only the body the earlier stages produced — the decrypted payload
 * when there was one. Nothing of it is logged: the log line carries the classification.
 */
export function extractReport(draft: Draft, ctx: StageContext): Draft {
  if (draft.parse.status === 'unparseable') return draft;
  const understood = understandReport(draft, ctx.report);
  return { ...draft, ...understood };
}
