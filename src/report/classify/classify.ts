import type { Classification, PriorityVerdict } from '../../model/message-record.js';
import { DEFAULT_PRIORITY_RANK } from '../../model/draft.js';
import { evaluate } from './evaluate.js';
import type { RuleInput } from './rule-input.js';
import type { ClassificationRule, PriorityRule } from './rules-schema.js';
import { rsitType } from './rsit.js';

export const UNDETERMINED: Classification = { class: 'other', type: 'undetermined', rule: 'default' };

/**
 * Every rule that fires adds its RSIT class/type (several are allowed), first rule per
 * class/type kept. Keyword rules (`fallback`) are consulted only when no rule about the
 * form's answers or the machine format fired. None: `other/undetermined`.
 */
export function classify(rules: ClassificationRule[], input: RuleInput): Classification[] {
  const fired = (pool: ClassificationRule[]) => {
    const out: Classification[] = [];
    for (const rule of pool) {
      const name = rsitType(rule.class, rule.type);
      if (!name || out.some((c) => c.class === name.class && c.type === name.type)) continue;
      if (evaluate(rule.when, input)) out.push({ ...name, rule: rule.id });
    }
    return out;
  };
  const structured = fired(rules.filter((r) => !r.fallback));
  const result = structured.length > 0 ? structured : fired(rules.filter((r) => r.fallback));
  return result.length > 0 ? result : [UNDETERMINED];
}

/**
 * The first priority rule that holds, in the configured order (RFC 2350 Appendix E:
 * threats to safety first … mailbombing last). Rank 0 is reserved for an urgent Subject,
 * which the ticket applies on top; rule n has rank n.
 */
export function prioritize(rules: PriorityRule[], input: RuleInput): PriorityVerdict {
  const index = rules.findIndex((rule) => rule.when === undefined || evaluate(rule.when, input));
  return index < 0 ? { rank: DEFAULT_PRIORITY_RANK, rule: 'default' } : { rank: index + 1, rule: rules[index]!.id };
}
