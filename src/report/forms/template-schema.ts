import { z } from 'zod';

/**
 * The shape of a form template file (config/forms/*.yaml). Templates are data: a team
 * adds its own form by adding a file, no code. `items` is the form in order: headings
 * and fields. A field id is a dotted path (`reporter.email`); a leading `name[]` or
 * `name[role]` segment makes it part of a repeated group (`affected_hosts[].hostname`,
 * `contacts[additional].email`): when a field of the group comes round again, a new
 * element starts.
 */
export const FIELD_TYPES = ['text', 'block', 'yesno', 'timezone', 'host', 'ips', 'email', 'choice', 'datetime'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const FIELD_ID = /^(?:[a-z][a-z0-9_]*\[[a-z0-9_-]*\]\.)?[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

const heading = z.strictObject({ heading: z.string().min(1).max(240) });

const field = z
  .strictObject({
    field: z.string().regex(FIELD_ID, 'a dotted field id, optionally starting with group[] or group[role]'),
    labels: z.array(z.string().min(1).max(240)).min(1),
    number: z.string().regex(/^\d{1,3}(?:\.\d{1,3}){0,5}$/, 'like 7 or 4.1.8').optional(),
    type: z.enum(FIELD_TYPES).default('text'),
    /** For `choice`: answer word (any case) → stored value. */
    choices: z.record(z.string(), z.string()).optional(),
    /** Placeholder answers of this field that mean "no answer" (e.g. `CERT#`). */
    absent: z.array(z.string()).default([]),
  })
  .refine((f) => f.type !== 'host' || f.field.endsWith('.hostname'), {
    message: 'a host field id ends in .hostname (its addresses go to the sibling .ips)',
  })
  .refine((f) => f.type !== 'choice' || (f.choices && Object.keys(f.choices).length > 0), {
    message: 'a choice field needs choices',
  });

export const templateSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,63}$/, 'lower-case letters, digits, dots and hyphens'),
  name: z.string().min(1).max(200),
  language: z.string().min(2).max(16).default('en'),
  /** `form`: numbered questions; `key-value`: label mappings used by the key: value fallback. */
  kind: z.enum(['form', 'key-value']).default('form'),
  /** Title, version and heading phrases that identify the form. */
  detect: z.array(z.string().min(1)).default([]),
  /** Instruction lines of the blank form that are neither answers nor surprises. */
  ignore: z.array(z.string().min(1)).default([]),
  /** Fewest distinct fields that must be recognised before the form counts as matched. */
  minFields: z.number().int().min(1).max(100).default(3),
  items: z.array(z.union([heading, field])).min(1),
});

export type TemplateFile = z.infer<typeof templateSchema>;
export type TemplateField = Extract<TemplateFile['items'][number], { field: string }>;
