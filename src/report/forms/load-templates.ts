import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readYamlFile } from '../../effects/yaml-cache.js';
import { compileTemplate, type CompiledTemplate } from './compile-template.js';
import { templateSchema } from './template-schema.js';

/**
 * Reads every `*.yaml` / `*.yml` template in the given directories, in order; a later
 * file with the same id replaces an earlier one (a team's own copy of a shipped form).
 * Every problem in every file is reported at once.
 */
export async function loadTemplates(dirs: string[], cacheDir: string | null = null): Promise<{ templates: CompiledTemplate[]; problems: string[] }> {
  const byId = new Map<string, CompiledTemplate>();
  const problems: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
    } catch (error) {
      problems.push(`${dir}: cannot read form templates: ${(error as Error).message}`);
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      const yaml = await readYamlFile(file, cacheDir);
      const result = yaml.errors.length > 0 ? { problems: yaml.errors.map((e) => `${file}: YAML: ${e}`) } : validateTemplate(file, yaml.value);
      if ('problems' in result) problems.push(...result.problems);
      else byId.set(result.template.id, result.template);
    }
  }
  return { templates: [...byId.values()], problems };
}

export function validateTemplate(file: string, document: unknown): { template: CompiledTemplate } | { problems: string[] } {
  const parsed = templateSchema.safeParse(document);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  return { template: compileTemplate(parsed.data) };
}

/**
 * The `config/` directory shipped with csirt-intake (forms and rules), found from this
 * module's own location so that it works from src/ (tests), dist/src/ and the Docker
 * image alike, whatever the working directory.
 */
export function shippedConfigDir(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'config', 'forms');
    if (existsSync(candidate)) return path.join(dir, 'config');
    dir = path.dirname(dir);
  }
  throw new Error('the shipped config/forms directory was not found next to csirt-intake');
}
