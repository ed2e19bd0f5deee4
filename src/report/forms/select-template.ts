import type { PreparedLine } from '../text/prepare-text.js';
import { lookupLabel, type CompiledTemplate } from './compile-template.js';
import { labelCandidates, splitNumber } from './label-line.js';
import { containsPhrase, normalizeLabel } from './normalize-label.js';

/**
 * Which form template the text follows, and at which quote depth (a form filled in
 * inside a quoted reply sits at depth 1). Each template scores the distinct fields whose
 * labels appear (plus a half point where the line's number agrees and two points per
 * title or heading phrase); the best template with at least its `minFields` wins.
 */
export interface TemplateChoice {
  template: CompiledTemplate;
  depth: number;
  score: number;
}

/** Only the first lines are scored: a form does not start after this many. */
const MAX_SCORED_LINES = 5000;

interface ScoredLine {
  depth: number;
  number: string | null;
  norms: string[];
  whole: string;
}

export function selectTemplate(lines: PreparedLine[], templates: CompiledTemplate[]): TemplateChoice | null {
  const scored = lines.slice(0, MAX_SCORED_LINES).map(scoreLine);
  const depths = [...new Set(scored.map((l) => l.depth))];
  let best: TemplateChoice | null = null;
  for (const template of templates) {
    if (template.kind !== 'form') continue;
    for (const depth of depths) {
      const score = scoreTemplate(scored.filter((l) => l.depth === depth), template);
      if (score !== null && (!best || score > best.score)) best = { template, depth, score };
    }
  }
  return best;
}

function scoreLine(line: PreparedLine): ScoredLine {
  const { number, rest } = splitNumber(line.text);
  const whole = rest.length <= 240 ? normalizeLabel(rest) : '';
  return { depth: line.depth, number, norms: labelCandidates(rest).map((c) => c.norm), whole };
}

function scoreTemplate(lines: ScoredLine[], template: CompiledTemplate): number | null {
  const fields = new Set<string>();
  let agreeing = 0;
  const phrases = new Set<string>();
  for (const line of lines) {
    const norms = line.number !== null && line.whole !== '' ? [...line.norms, line.whole] : line.norms;
    for (const norm of norms) {
      const defs = lookupLabel(template, norm, norm === line.whole);
      if (!defs) continue;
      const def = defs.find((d) => d.number === line.number) ?? defs[0]!;
      if (def.number !== null && def.number === line.number) agreeing++;
      fields.add(`${def.id}#${def.index}`);
      break;
    }
    for (const phrase of template.detect) if (containsPhrase(line.whole, phrase)) phrases.add(phrase);
  }
  if (fields.size < template.minFields) return null;
  return fields.size + Math.min(agreeing, fields.size) / 2 + phrases.size * 2;
}
