import YAML from 'yaml';
import type { Draft, ExtractedAttachment } from '../../model/draft.js';
import { headerValues } from '../../model/raw-headers.js';
import type { MachineReading } from './extraction.js';
import { mapFields, type KeyMapping, type NamedValue } from './map-fields.js';
import { readReportLines } from './x-arf-lines.js';

/**
 * X-ARF 0.1/0.2 (docs/research/forms.md §4.2): a mail with the header `X-ARF: yes` whose
 * second part, `report.txt`, is YAML. mailparser hands a `report.txt` sent as an
 * attachment over as one; sent inline (the usual way: no Content-Disposition) it is
 * appended to the body text, so the YAML block is then found there — the run of
 * `Key: value` lines around the first X-ARF key.
 */
const MAPPING: Record<string, KeyMapping> = {
  'reported-from': { field: 'reporter.email', type: 'email' },
  category: { field: 'report.category' },
  'report-type': { field: 'report.type' },
  'report-id': { field: 'report.id' },
  version: { field: 'report.format_version' },
  'user-agent': { field: 'report.user_agent' },
  'schema-url': { field: 'report.schema_url' },
  attachment: { field: 'report.attachment' },
  date: { field: 'incident.start', type: 'datetime' },
  source: { field: 'attack_sources[].hostname', type: 'host' },
  'source-type': { field: 'report.source_type' },
  port: { field: 'incident.port' },
  service: { field: 'incident.service' },
  destination: { field: 'affected_hosts[].hostname', type: 'host' },
  'destination-type': { field: 'report.destination_type' },
  occurrences: { field: 'incident.count' },
};

const KEY_LINE = /^[A-Za-z][A-Za-z0-9_-]{0,40}:(?:\s|$)/;
const XARF_KEYS = /^(?:Reported-From|Report-Type|Report-ID|Schema-URL|Source-Type):/im;
/** report.txt is a dozen `Key: value` lines; the YAML parser costs ~5 µs a character, so cap it. */
const MAX_YAML = 32 * 1024;

/**
 * X-ARF 0.1 marks its mail `X-ARF: YES`; 0.2 `X-XARF: PLAIN` (or SECURE, for a signed
 * report; BULK) — the header pyxarf and the fail2ban/feedback scripts send.
 */
export function isXArf(draft: Draft): boolean {
  return (
    headerValues(draft.outerHeaders, 'x-arf').some((v) => /^\s*yes\b/i.test(v)) ||
    headerValues(draft.outerHeaders, 'x-xarf').some((v) => /^\s*(?:plain|secure|bulk|yes)\b/i.test(v)) ||
    reportAttachment(draft.body.attachments) !== null
  );
}

export function readXArf(draft: Draft): MachineReading | null {
  const attachment = reportAttachment(draft.body.attachments);
  const located = attachment ? { yaml: attachment.content.toString('utf8'), rest: draft.body.text } : findYamlBlock(draft.body.text);
  if (!located) return null;
  const warnings: string[] = located.yaml.length > MAX_YAML ? [`report.txt is longer than ${MAX_YAML / 1024} KiB: only its start was read`] : [];
  const values = parseYaml(located.yaml.slice(0, MAX_YAML), warnings);
  // A broken report.txt is still an X-ARF report: say so rather than guess at a form.
  if (values.length === 0) return warnings.length > 0 ? { template: 'x-arf', fields: {}, warnings, texts: [draft.body.text] } : null;
  const evidence = draft.body.attachments.filter((a) => a !== attachment && /^text\//i.test(a.contentType));
  return {
    template: 'x-arf',
    fields: mapFields(values, MAPPING),
    warnings,
    texts: [located.rest, ...evidence.map((a) => a.content.toString('utf8'))],
  };
}

function reportAttachment(attachments: ExtractedAttachment[]): ExtractedAttachment | null {
  return attachments.find((a) => /^report\.txt$/i.test(a.filename ?? '') && XARF_KEYS.test(a.content.subarray(0, 4096).toString('utf8'))) ?? null;
}

/** The contiguous YAML lines around the first X-ARF key in the body text. */
function findYamlBlock(text: string): { yaml: string; rest: string } | null {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => XARF_KEYS.test(l));
  if (first < 0) return null;
  let start = first;
  while (start > 0 && KEY_LINE.test(lines[start - 1] ?? '')) start--;
  let end = first + 1;
  while (end < lines.length && (KEY_LINE.test(lines[end] ?? '') || /^[ \t]+\S|^---\s*$/.test(lines[end] ?? ''))) end++;
  return { yaml: lines.slice(start, end).join('\n'), rest: [...lines.slice(0, start), ...lines.slice(end)].join('\n') };
}

function parseYaml(text: string, warnings: string[]): NamedValue[] {
  let document: unknown;
  try {
    // No aliases at all: report.txt needs none, and they are how YAML bombs expand.
    document = YAML.parse(text, { maxAliasCount: 0, uniqueKeys: false, prettyErrors: false });
  } catch (error) {
    const lines = readReportLines(text);
    const reason = (error as Error).message.split('\n')[0];
    warnings.push(lines.length > 0 ? `report.txt is not strict YAML (${reason}); read line by line` : `report.txt is not valid YAML: ${reason}`);
    return lines;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    warnings.push('report.txt is not a YAML mapping');
    return [];
  }
  return Object.entries(document as Record<string, unknown>).map(([key, value]) => ({ key, value: scalarText(value) }));
}

export function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
