import type { FormField } from '../../model/message-record.js';
import { normalizeText } from '../forms/normalize-label.js';
import { fieldLeaves, type RuleInput } from './rule-input.js';
import type { Condition } from './rules-schema.js';

/** True when every key of the condition holds (docs/research/forms.md §7.10; RFC 2350 App. E). */
export function evaluate(condition: Condition, input: RuleInput): boolean {
  if (condition.all && !condition.all.every((c) => evaluate(c, input))) return false;
  if (condition.any && !condition.any.some((c) => evaluate(c, input))) return false;
  if (condition.not && evaluate(condition.not, input)) return false;
  if (condition.template && !condition.template.includes(input.template)) return false;
  if (condition.field !== undefined && !fieldHolds(condition, fieldLeaves(input.fields, condition.field))) return false;
  if (condition.text && !condition.text.some((p) => input.text.has(p))) return false;
  if (condition.subject && !condition.subject.some((p) => input.subject.has(p))) return false;
  if (condition.classes && !condition.classes.some((name) => hasClass(input, name))) return false;
  if (condition.sourceInConstituency !== undefined && condition.sourceInConstituency !== input.sourceInConstituency) return false;
  return true;
}

function fieldHolds(condition: Condition, leaves: FormField[]): boolean {
  if (condition.answered !== undefined) {
    const answered = leaves.some((l) => l.value !== null && !(Array.isArray(l.value) && l.value.length === 0));
    if (answered !== condition.answered) return false;
  } else if (condition.values === undefined && condition.equals === undefined && condition.is === undefined && leaves.length === 0) {
    return false;
  }
  if (condition.is !== undefined && !leaves.some((l) => l.value === condition.is)) return false;
  if (condition.values) {
    const texts = leaves.map((l) => ` ${normalizeText(leafText(l))} `);
    const wanted = condition.values.map((v) => ` ${normalizeText(v)} `);
    if (!texts.some((t) => wanted.some((w) => w.trim() !== '' && t.includes(w)))) return false;
  }
  if (condition.equals) {
    // A machine format's type is a token: `reg-bot` is not a `bot`, `login-attack` no `attack`.
    const texts = new Set(leaves.map((l) => normalizeText(leafText(l))));
    if (!condition.equals.some((v) => texts.has(normalizeText(v)))) return false;
  }
  return true;
}

function leafText(leaf: FormField): string {
  if (typeof leaf.value === 'string') return leaf.value;
  if (Array.isArray(leaf.value)) return leaf.value.join(' ');
  return leaf.raw;
}

function hasClass(input: RuleInput, name: string): boolean {
  const [cls, type] = name.split('/');
  return input.classes.some((c) => c.class === cls && (type === undefined || c.type === type));
}
