import type { FormFields } from '../../model/message-record.js';

/**
 * What one reader (machine format, form, key: value, free text) makes of a report:
 * which reader matched, the fields, warnings for a human, and the texts beside the
 * fields — human-readable parts, evidence, logs — in which candidate indicators are
 * looked for.
 */
export interface Extraction {
  template: string;
  fields: FormFields;
  warnings: string[];
  texts: string[];
}
