import type { FormFields } from '../../model/message-record.js';
import { splitFieldId, type FieldDef } from '../forms/compile-template.js';
import { FieldTree } from '../forms/field-tree.js';
import { readValue } from '../forms/field-value.js';
import type { FieldType } from '../forms/template-schema.js';

/**
 * Turns the named values of a machine format (X-ARF YAML keys, RFC 5965 fields, XARF JSON
 * members, IODEF elements) into `form.fields`, through the same value readers as the form
 * parser. A key that occurs several times keeps every value (ARF's repeated
 * Reported-URI, Original-Rcpt-To); keys without a mapping are kept under `other`.
 */
export interface NamedValue {
  key: string;
  value: string;
}

export interface KeyMapping {
  field: string;
  type?: FieldType;
}

/** Values longer than this are cut (a machine format's field is not a log). */
const MAX_VALUE = 64 * 1024;
const MAX_OTHER = 200;

export function mapFields(values: NamedValue[], mapping: Record<string, KeyMapping>): FormFields {
  const tree = new FieldTree();
  const byKey = new Map<string, NamedValue[]>();
  for (const v of values) byKey.set(v.key.toLowerCase(), [...(byKey.get(v.key.toLowerCase()) ?? []), v]);
  const other: FormFields[] = [];
  let index = 0;
  for (const [key, list] of byKey) {
    const target = mapping[key];
    if (!target) {
      for (const v of list) if (other.length < MAX_OTHER) other.push(otherEntry(v));
      continue;
    }
    const def: FieldDef = {
      index: index++,
      id: target.field,
      ...splitFieldId(target.field),
      number: null,
      type: target.type ?? 'text',
      choices: [],
      absent: new Set(),
    };
    if (def.group || list.length === 1) {
      for (const v of list) tree.set(def, readValue(def, v.value.slice(0, MAX_VALUE), null));
    } else {
      const raws = list.map((v) => v.value.slice(0, MAX_VALUE));
      tree.set(def, [[[], { raw: raws.join('\n'), value: raws.map((r) => r.trim()), line: null }]]);
    }
  }
  if (other.length > 0) tree.root.other = other;
  return tree.root;
}

function otherEntry(v: NamedValue): FormFields {
  const value = v.value.slice(0, MAX_VALUE);
  return { key: { raw: v.key, value: v.key, line: null }, value: { raw: value, value: value.trim(), line: null } };
}
