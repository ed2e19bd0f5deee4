import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { rulesSchema, type RulesFile } from './rules-schema.js';

/** Reads and validates the rules file, every problem listed at once. */
export async function loadRules(file: string): Promise<{ rules: RulesFile | null; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { rules: null, problems: [`${file}: cannot read: ${(error as Error).message}`] };
  }
  const document = YAML.parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) return { rules: null, problems: document.errors.map((e) => `${file}: YAML: ${e.message.split('\n')[0]}`) };
  const parsed = rulesSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) return { rules: null, problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  const ids = parsed.data.priority.map((r) => r.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) return { rules: null, problems: [`${file}: priority: duplicate rule ids ${[...new Set(duplicates)].join(', ')}`] };
  return { rules: parsed.data, problems: [] };
}
