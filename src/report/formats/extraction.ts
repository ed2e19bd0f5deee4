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
  /**
   * Text that is not already in the fields, for keyword rules: a machine format's human
   * part and evidence, a free-text body. Empty for forms, whose labels would otherwise
   * match keywords ("4.1.5.1. Router (Yes/No): No" is not about a router).
   */
  freeText: string[];
}

/** What a machine-format reader returns; its texts are all free text. */
export type MachineReading = Omit<Extraction, 'freeText'>;
