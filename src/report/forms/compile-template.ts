import { normalizeLabel } from './normalize-label.js';
import type { FieldType, TemplateFile } from './template-schema.js';

/** One field of a compiled template, with its place in the form's order. */
export interface FieldDef {
  /** Position among the template's items (headings included). */
  index: number;
  id: string;
  group: { name: string; role: string | null } | null;
  /** Path below the group element, or below the root when not grouped. */
  path: string[];
  number: string | null;
  type: FieldType;
  choices: Array<[string, string]>;
  absent: Set<string>;
}

export interface CompiledTemplate {
  id: string;
  name: string;
  kind: 'form' | 'key-value';
  minFields: number;
  defs: FieldDef[];
  /** Normalised label → the fields that carry it (several: "timezone", "name"). */
  labels: Map<string, FieldDef[]>;
  /** Every word-prefix of every label, for recognising the first line of a wrapped label. */
  prefixes: Set<string>;
  /** Normalised heading → its position among the items. */
  headings: Map<string, number>;
  /** First words of every label and heading: a line starting otherwise is neither. */
  firstWords: Set<string>;
  ignore: string[];
  detect: string[];
}

export function compileTemplate(file: TemplateFile): CompiledTemplate {
  const defs: FieldDef[] = [];
  const labels = new Map<string, FieldDef[]>();
  const prefixes = new Set<string>();
  const headings = new Map<string, number>();
  const firstWords = new Set<string>();
  const first = (norm: string) => firstWords.add(norm.split(' ')[0] ?? '');
  file.items.forEach((item, index) => {
    if ('heading' in item) {
      headings.set(normalizeLabel(item.heading), index);
      first(normalizeLabel(item.heading));
      return;
    }
    const def: FieldDef = {
      index,
      id: item.field,
      ...splitFieldId(item.field),
      number: item.number ?? null,
      type: item.type,
      choices: Object.entries(item.choices ?? {}).map(([answer, value]) => [normalizeLabel(answer), value]),
      absent: new Set(item.absent.map((a) => a.trim().toLowerCase())),
    };
    defs.push(def);
    for (const label of item.labels) {
      const norm = normalizeLabel(label);
      labels.set(norm, [...(labels.get(norm) ?? []), def]);
      first(norm);
      const words = norm.split(' ');
      for (let n = 1; n < words.length; n++) prefixes.add(words.slice(0, n).join(' '));
    }
  });
  return {
    id: file.id,
    name: file.name,
    kind: file.kind,
    minFields: file.minFields,
    defs,
    labels,
    prefixes,
    headings,
    firstWords,
    ignore: file.ignore.map(normalizeLabel),
    detect: file.detect.map(normalizeLabel),
  };
}

export function splitFieldId(id: string): Pick<FieldDef, 'group' | 'path'> {
  const match = /^([a-z][a-z0-9_]*)\[([a-z0-9_-]*)\]\.(.+)$/.exec(id);
  if (!match) return { group: null, path: id.split('.') };
  return { group: { name: match[1] ?? '', role: match[2] || null }, path: (match[3] ?? '').split('.') };
}

/** A label followed by one of the form's hints without parentheses ("… falls bekannt", "… if known"). */
function withoutHint(template: CompiledTemplate, norm: string): FieldDef[] | undefined {
  for (const hint of template.ignore) {
    if (norm.endsWith(` ${hint}`)) return template.labels.get(norm.slice(0, -hint.length - 1));
  }
  return undefined;
}

/** Could a label or heading of this template start the line? ("*": cannot tell cheaply.) */
export function mayStartLabel(template: CompiledTemplate, firstWord: string): boolean {
  return firstWord === '*' || template.firstWords.has(firstWord);
}

/**
 * The fields a normalised label names: exactly, or — when the reporter shortened a long
 * label to its first words (at least two) — every label that starts with it.
 */
export function lookupLabel(template: CompiledTemplate, norm: string, exactOnly = false): FieldDef[] | undefined {
  const exact = template.labels.get(norm) ?? withoutHint(template, norm);
  if (exact || exactOnly || !norm.includes(' ') || !template.prefixes.has(norm)) return exact;
  const found: FieldDef[] = [];
  for (const [label, defs] of template.labels) {
    if (label.startsWith(`${norm} `)) for (const def of defs) if (!found.includes(def)) found.push(def);
  }
  return found.length > 0 ? found : undefined;
}
