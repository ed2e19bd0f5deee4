import type { FormFields } from '../../model/message-record.js';
import type { PreparedLine } from '../text/prepare-text.js';
import type { CompiledTemplate } from './compile-template.js';
import { parseForm } from './parse-form.js';
import { selectTemplate } from './select-template.js';

export interface FormReading {
  template: string;
  fields: FormFields;
  warnings: string[];
  /** Text outside the answers (lines that were no question), for indicators. */
  loose: string[];
}

/** Picks the template and quote depth, then parses only the lines at that depth. */
export function readForm(lines: PreparedLine[], templates: CompiledTemplate[]): FormReading | null {
  const choice = selectTemplate(lines, templates);
  if (!choice) return null;
  const parsed = parseForm(lines.filter((l) => l.depth === choice.depth), choice.template);
  if (parsed.matched < choice.template.minFields) return null;
  const fields = parsed.fields;
  if (choice.depth > 0) {
    const report = (fields.report ??= {}) as FormFields;
    report.quote_depth = { raw: '>'.repeat(choice.depth), value: choice.depth, line: null };
  }
  return { template: choice.template.id, fields, warnings: parsed.warnings, loose: parsed.loose };
}
