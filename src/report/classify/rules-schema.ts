import { z } from 'zod';
import { isRsitName, rsitType } from './rsit.js';

/**
 * The classification and priority rules file (config/report-rules.yaml). A condition's
 * keys are all required to hold (AND); `any` and `all` nest; phrases match whole words,
 * any case, after the same normalisation as form labels — never regular expressions, so
 * a rule cannot make matching slow.
 */
export interface Condition {
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
  template?: string[];
  field?: string;
  values?: string[];
  /** The whole answer, normalised, is one of these (machine formats' enumerated types). */
  equals?: string[];
  is?: boolean;
  answered?: boolean;
  text?: string[];
  subject?: string[];
  classes?: string[];
  sourceInConstituency?: boolean;
}

const phrases = z.array(z.string().min(1).max(200)).min(1);

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      all: z.array(conditionSchema).min(1).optional(),
      any: z.array(conditionSchema).min(1).optional(),
      not: conditionSchema.optional(),
      template: z.array(z.string().min(1)).min(1).optional(),
      field: z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/, 'a dotted field id without [] (groups are searched)').optional(),
      values: phrases.optional(),
      equals: phrases.optional(),
      is: z.boolean().optional(),
      answered: z.boolean().optional(),
      text: phrases.optional(),
      subject: phrases.optional(),
      classes: z.array(z.string().refine(isRsitName, 'not an RSIT class or class/type')).min(1).optional(),
      sourceInConstituency: z.boolean().optional(),
    })
    .refine((c) => Object.keys(c).length > 0, 'an empty condition')
    .refine((c) => (c.values === undefined && c.equals === undefined && c.is === undefined && c.answered === undefined) || c.field !== undefined, 'values/equals/is/answered need a field'),
);

const classificationRule = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    class: z.string(),
    type: z.string(),
    /** Keyword rules: only consulted when no structured rule (form answer, machine format) fired. */
    fallback: z.boolean().default(false),
    when: conditionSchema,
  })
  .refine((r) => rsitType(r.class, r.type) !== null, { message: 'class/type is not in the RSIT taxonomy' });

const priorityRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  label: z.string().min(1).max(200),
  /** Absent: always matches (the catch-all last rule). */
  when: conditionSchema.optional(),
});

export const rulesSchema = z.strictObject({
  classification: z.array(classificationRule).default([]),
  priority: z.array(priorityRule).default([]),
});

export type RulesFile = z.infer<typeof rulesSchema>;
export type ClassificationRule = RulesFile['classification'][number];
export type PriorityRule = RulesFile['priority'][number];
