import type { FormField, FormFields } from '../../model/message-record.js';
import type { FieldDef } from './compile-template.js';
import type { Leaf } from './field-value.js';

/**
 * Builds the nested `form.fields` object. Grouped fields (`affected_hosts[].hostname`)
 * go into the current element of their group; a field that is already answered in that
 * element, or that comes earlier in the form than the last one answered there, starts
 * a new element — the reporter duplicated the block ("duplicate for each host").
 */
export class FieldTree {
  readonly root: FormFields = {};
  private readonly groups = new Map<string, { element: FormFields; lastIndex: number }>();

  /** `ordered`: a group field earlier in the form than the last one answered starts a new element. */
  constructor(private readonly ordered = true) {}

  /** Returns false (and stores nothing) when a non-repeating field was answered before. */
  set(def: FieldDef, leaves: Leaf[]): boolean {
    const base = def.group ? this.groupElement(def) : this.root;
    const targets = leaves.map(([relative, field]) => [resolve(def.path, relative), field] as const);
    if (!def.group && targets.some(([path]) => get(base, path) !== undefined)) return false;
    for (const [path, field] of targets) put(base, path, field);
    return true;
  }

  private groupElement(def: FieldDef): FormFields {
    const group = def.group!;
    const key = `${group.name}[${group.role ?? ''}]`;
    const current = this.groups.get(key);
    if (current && get(current.element, def.path) === undefined && (!this.ordered || def.index > current.lastIndex)) {
      current.lastIndex = Math.max(current.lastIndex, def.index);
      return current.element;
    }
    const element: FormFields = group.role ? { role: { raw: group.role, value: group.role, line: null } } : {};
    const list = this.root[group.name];
    if (Array.isArray(list)) list.push(element);
    else this.root[group.name] = [element];
    this.groups.set(key, { element, lastIndex: def.index });
    return element;
  }
}

/** `..` in a relative path climbs one level (a host field's sibling `ips`). */
function resolve(path: string[], relative: string[]): string[] {
  const out = [...path];
  for (const segment of relative) {
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out;
}

function get(node: FormFields, path: string[]): unknown {
  let current: unknown = node;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function put(node: FormFields, path: string[], field: FormField): void {
  let current = node;
  for (const segment of path.slice(0, -1)) {
    const next = current[segment];
    if (next === undefined || Array.isArray(next) || 'raw' in next) current[segment] = {};
    current = current[segment] as FormFields;
  }
  current[path[path.length - 1] ?? 'value'] = field;
}
