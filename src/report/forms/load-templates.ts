import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readValidatedYamlFile, type Validated } from '../../effects/yaml-cache.js';
import { compileTemplate, type CompiledTemplate } from './compile-template.js';
import type { TemplateFile } from './template-schema.js';

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
      const result = await readValidatedYamlFile(file, cacheDir, 'form-template', (value) => validTemplateFile(file, value), (e) => `${file}: YAML: ${e}`);
      if ('problems' in result) problems.push(...result.problems);
      else {
        const template = compileTemplate(result.value);
        byId.set(template.id, template);
      }
    }
  }
  return { templates: [...byId.values()], problems };
}

export async function validateTemplate(file: string, document: unknown): Promise<{ template: CompiledTemplate } | { problems: string[] }> {
  const result = await validTemplateFile(file, document);
  return 'problems' in result ? result : { template: compileTemplate(result.value) };
}

/** The template file as the schema reads it; the schema library is loaded only when a file is validated. */
async function validTemplateFile(file: string, document: unknown): Promise<Validated<TemplateFile>> {
  const { templateSchema } = await import('./template-schema.js');
  const parsed = templateSchema.safeParse(document);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  return { value: parsed.data };
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
