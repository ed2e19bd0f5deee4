import type { Draft } from '../../model/draft.js';
import type { StageContext } from '../stage.js';

/**
 * An urgent report is one whose *outer* Subject carries a configured keyword as a whole
 * word, case-insensitively: `URGENT:`, `[urgent]`, `Urgent -` but not `insurgent`.
 * Only the outer Subject counts: it is what the sender chose to expose, and the same
 * rule decides the urgent line of the acknowledgement.
 */
export function detectUrgency(draft: Draft, ctx: StageContext): Draft {
  const subject = draft.headers.subjectDecoded ?? '';
  const keyword = ctx.config.team.urgentKeywords.find((word) => wholeWord(word).test(subject));
  return keyword === undefined
    ? { ...draft, urgent: { flag: false, reason: null } }
    : { ...draft, urgent: { flag: true, reason: `subject-keyword:${keyword.toLowerCase()}` } };
}

function wholeWord(word: string): RegExp {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu');
}
