import type { Draft } from '../../model/draft.js';
import type { MachineReading } from './extraction.js';
import { mapFields, type KeyMapping, type NamedValue } from './map-fields.js';
import { scalarText } from './x-arf.js';
import { fromV3 } from './xarf-v3.js';

/**
 * XARF v4 (JSON; docs/research/forms.md §4.2): found as a JSON attachment or as the body
 * itself, recognised by `xarf_version`. A v3 report (`Version` + `Report`) is converted
 * to v4 names first, as v4 parsers must (xarf-v3.ts). Evidence payloads of a text type are decoded
 * (base64) and searched for candidate indicators.
 */
const MAPPING: Record<string, KeyMapping> = {
  xarf_version: { field: 'report.format_version' },
  report_id: { field: 'report.id' },
  timestamp: { field: 'incident.start', type: 'datetime' },
  first_seen: { field: 'incident.first_seen', type: 'datetime' },
  last_seen: { field: 'incident.last_seen', type: 'datetime' },
  category: { field: 'report.category' },
  type: { field: 'report.type' },
  'reporter.org': { field: 'reporter.organization' },
  'reporter.contact': { field: 'reporter.email', type: 'email' },
  'reporter.domain': { field: 'reporter.domain' },
  'sender.org': { field: 'report.sender_organization' },
  'sender.contact': { field: 'report.sender_email', type: 'email' },
  'sender.domain': { field: 'report.sender_domain' },
  source_identifier: { field: 'attack_sources[].hostname', type: 'host' },
  source_port: { field: 'attack_sources[].port' },
  destination_ip: { field: 'affected_hosts[].hostname', type: 'host' },
  destination_port: { field: 'affected_hosts[].port' },
  protocol: { field: 'incident.protocol' },
  service: { field: 'incident.service' },
  url: { field: 'incident.url' },
  description: { field: 'incident.description' },
  attempt_count: { field: 'incident.count' },
  evidence_source: { field: 'report.evidence_source' },
  confidence: { field: 'report.confidence' },
  tags: { field: 'report.tags' },
  legacy_version: { field: 'report.legacy_version' },
  smtp_mail_from: { field: 'incident.original_mail_from' },
};
const MAX_JSON = 1024 * 1024;
const MAX_EVIDENCE = 256 * 1024;

/** `attachedOnly`: look at JSON attachments only, not at the body text. */
export function findXarfJson(draft: Draft, attachedOnly = false): Record<string, unknown> | null {
  const candidates = [
    ...draft.body.attachments.filter((a) => /json/i.test(a.contentType) || /\.json$/i.test(a.filename ?? '')).map((a) => a.content.toString('utf8')),
    ...(attachedOnly ? [] : [draft.body.text]),
  ];
  for (const text of candidates) {
    const start = text.indexOf('{');
    if (start < 0 || text.length > MAX_JSON || !/"(?:xarf_version|Version)"/.test(text)) continue;
    const json = parseObject(text.slice(start, text.lastIndexOf('}') + 1));
    if (json && (typeof json.xarf_version === 'string' || (typeof json.Version === 'string' && typeof json.Report === 'object'))) return json;
  }
  return null;
}

export function readXarfJson(draft: Draft, attachedOnly = false): MachineReading | null {
  const json = findXarfJson(draft, attachedOnly);
  if (!json) return null;
  const warnings: string[] = [];
  const report = typeof json.xarf_version === 'string' ? json : fromV3(json, warnings);
  const values: NamedValue[] = [];
  for (const [key, value] of Object.entries(report)) {
    if (key === 'evidence' || key === '_internal') continue;
    if ((key === 'reporter' || key === 'sender') && value && typeof value === 'object') {
      for (const [sub, v] of Object.entries(value)) values.push({ key: `${key}.${sub}`, value: scalarText(v) });
    } else {
      values.push({ key, value: Array.isArray(value) ? value.map(scalarText).join(', ') : scalarText(value) });
    }
  }
  return { template: 'xarf-v4', fields: mapFields(values, MAPPING), warnings, texts: [draft.body.text, ...evidenceTexts(report.evidence)] };
}

function evidenceTexts(evidence: unknown): string[] {
  if (!Array.isArray(evidence)) return [];
  const texts: string[] = [];
  for (const item of evidence.slice(0, 20)) {
    if (!item || typeof item !== 'object') continue;
    const { content_type: type, payload } = item as Record<string, unknown>;
    if (typeof payload !== 'string' || typeof type !== 'string' || !/^(?:text\/|message\/)/i.test(type)) continue;
    texts.push(Buffer.from(payload.slice(0, MAX_EVIDENCE * 2), 'base64').subarray(0, MAX_EVIDENCE).toString('utf8'));
  }
  return texts;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
