import type { FormField, FormFields, MessageRecord } from '../model/message-record.js';

type Show = (value: string | null, max?: number) => string;

/**
 * What `intake tickets show` prints of one message's understood report: which form or
 * format, who reported, the declared hosts, classification, priority, TLP. Every value
 * from the report goes through `show` (escaped like log lines).
 */
export function reportSummaryLines(m: MessageRecord, show: Show): string[] {
  const form = m.form;
  if (!form || form.template === null) return [];
  const f = form.fields ?? {};
  const value = (node: unknown): string | null => {
    if (!node || typeof node !== 'object' || !('raw' in node)) return null;
    const v = (node as FormField).value;
    return v === null || v === undefined ? null : Array.isArray(v) ? v.join(' ') : String(v);
  };
  const reporter = (f.reporter ?? {}) as FormFields;
  const who = [value(reporter.name), value(reporter.organization), value(reporter.email)].filter(Boolean).join(', ');
  const hosts = (group: unknown) =>
    (Array.isArray(group) ? group : []).map((h: FormFields) => [value(h.hostname), value(h.ips)].filter(Boolean).join(' ')).filter(Boolean);
  const lines = [
    `     report: ${show(form.template)}${form.warnings.length > 0 ? ` (${form.warnings.length} warning(s))` : ''}` +
      `  classification=${(m.classification ?? []).map((c) => `${c.class}/${c.type}`).join(',')}` +
      `  priority=${m.priority ? `${m.priority.rule}(${m.priority.rank})` : '-'}  tlp=${m.tlp ?? '-'}`,
  ];
  if (who) lines.push(`     reporter (form): ${show(who, 120)}`);
  const affected = hosts(f.affected_hosts);
  const sources = hosts(f.attack_sources);
  if (affected.length > 0) lines.push(`     affected hosts: ${show(affected.join('; '), 160)}`);
  if (sources.length > 0) lines.push(`     attack sources: ${show(sources.join('; '), 160)}`);
  const candidates = m.indicators?.candidates;
  if (candidates && candidates.ips.length + candidates.domains.length + candidates.cidrs.length > 0) {
    lines.push(`     candidates in text: ${candidates.ips.length} address(es), ${candidates.cidrs.length} network(s), ${candidates.domains.length} domain(s)`);
  }
  return lines;
}
