import { readValidatedYamlFile, type Validated } from '../../effects/yaml-cache.js';
import type { RulesFile } from './rules-schema.js';

/** Reads and validates the rules file, every problem listed at once. */
export async function loadRules(file: string, cacheDir: string | null = null): Promise<{ rules: RulesFile | null; problems: string[] }> {
  let result: Validated<RulesFile>;
  try {
    result = await readValidatedYamlFile(file, cacheDir, 'report-rules', (value) => validRules(file, value), (e) => `${file}: YAML: ${e}`);
  } catch (error) {
    return { rules: null, problems: [`${file}: cannot read: ${(error as Error).message}`] };
  }
  return 'problems' in result ? { rules: null, problems: result.problems } : { rules: result.value, problems: [] };
}

/** The rules as the schema reads them; the schema library is loaded only when a file is validated. */
async function validRules(file: string, value: unknown): Promise<Validated<RulesFile>> {
  const { rulesSchema } = await import('./rules-schema.js');
  const parsed = rulesSchema.safeParse(value ?? {});
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  const ids = parsed.data.priority.map((r) => r.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) return { problems: [`${file}: priority: duplicate rule ids ${[...new Set(duplicates)].join(', ')}`] };
  return { value: parsed.data };
}
