import type { PreparedLine } from '../text/prepare-text.js';
import { lookupLabel, mayStartLabel, type CompiledTemplate } from './compile-template.js';
import { analyze, candidatesOf, lineContains, wholeOf } from './line-analysis.js';

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
/** Title and version lines are looked for near the top, in short lines. */
const MAX_TITLE_LINE = 300;
const MAX_TITLE_LENGTH = 200;

export function selectTemplate(lines: PreparedLine[], templates: CompiledTemplate[]): TemplateChoice | null {
  const scored = lines.slice(0, MAX_SCORED_LINES);
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

function scoreTemplate(lines: PreparedLine[], template: CompiledTemplate): number | null {
  const fields = new Set<string>();
  let agreeing = 0;
  const phrases = new Set<string>();
  lines.forEach((line, i) => {
    const { number, rest, firstWord } = analyze(line);
    if (i < MAX_TITLE_LINE && rest.length <= MAX_TITLE_LENGTH && template.detect.length > 0) {
      for (const phrase of template.detect) if (lineContains(line, phrase)) phrases.add(phrase);
    }
    if (!mayStartLabel(template, firstWord)) return;
    const norms = candidatesOf(line).map((c) => c.norm);
    if (number !== null) norms.push(wholeOf(line));
    for (const norm of norms) {
      const defs = lookupLabel(template, norm, number !== null && norm === wholeOf(line));
      if (!defs) continue;
      const def = defs.find((d) => d.number === number) ?? defs[0]!;
      if (def.number !== null && def.number === number) agreeing++;
      fields.add(`${def.id}#${def.index}`);
      break;
    }
  });
  if (fields.size < template.minFields) return null;
  return fields.size + Math.min(agreeing, fields.size) / 2 + phrases.size * 2;
}
