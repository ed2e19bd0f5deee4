import { XMLParser } from 'fast-xml-parser';
import type { Draft } from '../../model/draft.js';
import type { MachineReading } from './extraction.js';
import { mapFields, type KeyMapping, type NamedValue } from './map-fields.js';

/**
 * IODEF (RFC 5070 v1, RFC 7970 v2), basic fields: the first Incident's id, purpose,
 * times, description, assessment, reporter contact, and the source/target systems of
 * its EventData flows (docs/research/forms.md §4.1). Documents with a DOCTYPE are refused:
 * IODEF needs none, and entity expansion is the classic XML bomb.
 */
const MAPPING: Record<string, KeyMapping> = {
  version: { field: 'report.format_version' },
  incident_id: { field: 'report.id' },
  purpose: { field: 'report.purpose' },
  status: { field: 'report.status' },
  restriction: { field: 'report.restriction' },
  report_time: { field: 'report.time', type: 'datetime' },
  start_time: { field: 'incident.start', type: 'datetime' },
  end_time: { field: 'incident.end', type: 'datetime' },
  detect_time: { field: 'incident.detect_time', type: 'datetime' },
  description: { field: 'incident.description' },
  impact: { field: 'incident.type' },
  severity: { field: 'incident.severity' },
  discovery: { field: 'incident.detection' },
  reporter_name: { field: 'reporter.name' },
  reporter_email: { field: 'reporter.email', type: 'email' },
  reporter_phone: { field: 'reporter.phone' },
  reporter_timezone: { field: 'reporter.timezone', type: 'timezone' },
  source: { field: 'attack_sources[].hostname', type: 'host' },
  target: { field: 'affected_hosts[].hostname', type: 'host' },
};
const MAX_XML = 1024 * 1024;
const ARRAYS = new Set(['Incident', 'Contact', 'Description', 'EventData', 'Flow', 'System', 'Node', 'Address', 'DomainData', 'NodeName', 'Email', 'Telephone', 'Impact', 'SystemImpact', 'Assessment', 'Discovery', 'Name', 'EmailTo']);

type XmlNode = Record<string, unknown>;

export function findIodef(draft: Draft): string | null {
  const texts = [
    ...draft.body.attachments.filter((a) => /xml/i.test(a.contentType) || /\.xml$/i.test(a.filename ?? '')).map((a) => a.content.toString('utf8')),
    draft.body.text,
  ];
  return texts.find((t) => t.length <= MAX_XML && t.includes('IODEF-Document')) ?? null;
}

export function readIodef(draft: Draft): MachineReading | null {
  const xml = findIodef(draft);
  if (!xml) return null;
  const start = xml.search(/<(?:[\w-]{1,32}:)?IODEF-Document\b/);
  if (start < 0) return null;
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    return { template: 'iodef', fields: {}, warnings: ['IODEF document with a DOCTYPE or entity declarations: not read'], texts: [draft.body.text] };
  }
  let document: XmlNode;
  try {
    document = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      removeNSPrefix: true,
      processEntities: false,
      htmlEntities: false,
      parseTagValue: false,
      parseAttributeValue: false,
      isArray: (name) => ARRAYS.has(name),
    }).parse(xml.slice(start)) as XmlNode;
  } catch (error) {
    return { template: 'iodef', fields: {}, warnings: [`IODEF document is not well-formed XML: ${(error as Error).message.split('\n')[0]}`], texts: [draft.body.text] };
  }
  const root = (document['IODEF-Document'] ?? {}) as XmlNode;
  const incidents = list(root.Incident);
  const warnings = incidents.length > 1 ? [`${incidents.length} incidents in the IODEF document; only the first is read`] : [];
  const values = [{ key: 'version', value: attr(root, 'version') }, ...incidentValues(incidents[0] ?? {})].filter((v) => v.value !== '');
  return { template: 'iodef', fields: mapFields(values, MAPPING), warnings, texts: [draft.body.text] };
}

function incidentValues(incident: XmlNode): NamedValue[] {
  const values: NamedValue[] = [
    { key: 'incident_id', value: text(incident.IncidentID) },
    { key: 'purpose', value: attr(incident, 'purpose') },
    { key: 'status', value: attr(incident, 'status') },
    { key: 'restriction', value: attr(incident, 'restriction') },
    { key: 'report_time', value: text(incident.ReportTime) },
    { key: 'start_time', value: text(incident.StartTime) },
    { key: 'end_time', value: text(incident.EndTime) },
    { key: 'detect_time', value: text(incident.DetectTime) },
    { key: 'description', value: text(list(incident.Description)[0]) },
    { key: 'discovery', value: attr(list(incident.Discovery)[0] ?? {}, 'source') },
  ];
  for (const assessment of list(incident.Assessment)) {
    for (const impact of [...list(assessment.Impact), ...list(assessment.SystemImpact)]) {
      values.push({ key: 'impact', value: attr(impact, 'type') }, { key: 'severity', value: attr(impact, 'severity') });
    }
  }
  const reporter = list(incident.Contact).find((c) => ['reporter', 'creator'].includes(attr(c, 'role')));
  if (reporter) {
    values.push(
      { key: 'reporter_name', value: text(reporter.ContactName) },
      { key: 'reporter_email', value: list(reporter.Email).map((e) => text(e.EmailTo ? list(e.EmailTo)[0] : e)).join(' ') },
      { key: 'reporter_phone', value: list(reporter.Telephone).map((t) => text(t.TelephoneNumber ?? t)).join(' ') },
      { key: 'reporter_timezone', value: text(reporter.Timezone) },
    );
  }
  for (const system of list(incident.EventData).flatMap((e) => list(e.Flow)).flatMap((f) => list(f.System))) {
    const category = attr(system, 'category');
    if (category !== 'source' && category !== 'target') continue;
    for (const node of list(system.Node)) values.push({ key: category, value: nodeText(node) });
  }
  return values.filter((v) => v.value !== '');
}

/** Names and addresses of one Node: v1 NodeName/Address, v2 DomainData/Name and Address. */
function nodeText(node: XmlNode): string {
  const names = [...list(node.NodeName), ...list(node.DomainData).flatMap((d) => list(d.Name))].map(text);
  const addresses = list(node.Address).map(text);
  return [...names, ...addresses].filter(Boolean).join(' ');
}

function list(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'object' && v !== null ? (v as XmlNode) : { '#text': String(v) }));
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value).trim();
  if (Array.isArray(value)) return text(value[0]);
  return text((value as XmlNode)['#text']);
}

function attr(node: XmlNode, name: string): string {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : '';
}
