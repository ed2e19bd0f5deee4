import { readYamlFile, type YamlResult } from '../../effects/yaml-cache.js';
import { rulesSchema, type RulesFile } from './rules-schema.js';

/** Reads and validates the rules file, every problem listed at once. */
export async function loadRules(file: string, cacheDir: string | null = null): Promise<{ rules: RulesFile | null; problems: string[] }> {
  let yaml: YamlResult;
  try {
    yaml = await readYamlFile(file, cacheDir);
  } catch (error) {
    return { rules: null, problems: [`${file}: cannot read: ${(error as Error).message}`] };
  }
  if (yaml.errors.length > 0) return { rules: null, problems: yaml.errors.map((e) => `${file}: YAML: ${e}`) };
  const parsed = rulesSchema.safeParse(yaml.value ?? {});
  if (!parsed.success) return { rules: null, problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  const ids = parsed.data.priority.map((r) => r.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) return { rules: null, problems: [`${file}: priority: duplicate rule ids ${[...new Set(duplicates)].join(', ')}`] };
  return { rules: parsed.data, problems: [] };
}
