import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { permanent } from '../model/errors.js';
import { trimEndChars } from '../model/linear-text.js';

/**
 * The acknowledgement text is a fixed template with placeholders only (DESIGN §7): the
 * operator chooses the words, csirt-intake fills in its own facts — never anything
 * from the report, so the team key never signs attacker text (docs/research/security.md §2).
 * A template is checked once at start-up; an unknown placeholder is a configuration
 * error, not a blank in a signed message.
 */
export const PLACEHOLDERS = [
  'ticket',
  'receivedAt',
  'teamName',
  'fingerprint',
  'businessHours',
  'timezone',
  'urgentLine',
  'lookupCommand',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

export interface Template {
  readonly source: string;
  readonly lines: readonly string[];
}

export interface AckTemplates {
  ack: Template;
  onDuty: Template;
}

/** RFC 3834 §6: automatic responses stay small. */
const MAX_TEMPLATE_BYTES = 8 * 1024;
const TOKEN = /\{\{([^{}]*)\}\}/g;

export function parseTemplate(source: string, text: string, required: readonly Placeholder[] = []): Template {
  const problems: string[] = [];
  if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) problems.push(`larger than ${MAX_TEMPLATE_BYTES} bytes`);
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text.replace(/\r\n/g, '\n'))) {
    problems.push('contains control characters');
  }
  const found = new Set<string>();
  for (const match of text.matchAll(TOKEN)) {
    const name = match[1] ?? '';
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) problems.push(`unknown placeholder {{${name}}}`);
    found.add(name);
  }
  if (/\{\{|\}\}/.test(text.replace(TOKEN, ''))) problems.push('unbalanced {{ or }}');
  for (const name of required) if (!found.has(name)) problems.push(`must contain {{${name}}}`);
  if (problems.length > 0) {
    throw permanent('template-invalid', `template ${source}: ${problems.join('; ')} (placeholders: ${PLACEHOLDERS.join(', ')})`);
  }
  const lines = text.normalize('NFC').replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return { source, lines };
}

/**
 * Fills the placeholders. A line holding nothing but a placeholder whose value is empty
 * (the urgent line of a report that is not urgent) disappears rather than leaving a
 * blank line. Trailing whitespace is dropped: RFC 3156 §5 warns it does not survive
 * transport. The result ends with one newline.
 */
export function renderTemplate(template: Template, values: TemplateValues): string {
  const out: string[] = [];
  for (const line of template.lines) {
    const rendered = line.replace(TOKEN, (_, name: string) => values[name as Placeholder] ?? '');
    if (rendered.trim() === '' && line.trim() !== '') continue;
    out.push(trimEndChars(rendered, ' \t'));
  }
  return `${out.join('\n')}\n`;
}

/** The shipped templates under config/, from the source tree or the built dist/. */
export function shippedTemplateFile(name: string): string {
  const candidates = [
    path.resolve(import.meta.dirname, '../../config', name),
    path.resolve(import.meta.dirname, '../../../config', name),
  ];
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

/** For `intake config check`: each template problem with its config key. */
export async function checkAckTemplates(config: Config): Promise<string[]> {
  const problems: string[] = [];
  for (const [key, file, name] of [
    ['ack.templateFile', config.ack.templateFile, 'ack-template.txt'],
    ['ack.onDutyTemplateFile', config.ack.onDutyTemplateFile, 'on-duty-template.txt'],
  ] as const) {
    const source = file ?? shippedTemplateFile(name);
    try {
      parseTemplate(source, await readTemplate(source), ['ticket']);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  return problems;
}

export async function loadAckTemplates(config: Config): Promise<AckTemplates> {
  const ackFile = config.ack.templateFile ?? shippedTemplateFile('ack-template.txt');
  const onDutyFile = config.ack.onDutyTemplateFile ?? shippedTemplateFile('on-duty-template.txt');
  return {
    ack: parseTemplate(ackFile, await readTemplate(ackFile), ['ticket']),
    onDuty: parseTemplate(onDutyFile, await readTemplate(onDutyFile), ['ticket']),
  };
}

async function readTemplate(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw permanent('template-unreadable', `cannot read template ${file}: ${(error as Error).message}`, error);
  }
}
