import type { Draft, ExtractedAttachment } from '../../model/draft.js';
import type { MachineReading } from './extraction.js';
import { mapFields, type KeyMapping, type NamedValue } from './map-fields.js';

/**
 * ARF, RFC 5965: `multipart/report; report-type=feedback-report` whose second part,
 * `message/feedback-report`, holds header-style fields. Fields may be folded (RFC 5322
 * §2.2.3) and several may repeat (Reported-URI, Original-Rcpt-To, Authentication-
 * Results): every occurrence is kept, unlike AbuseIO's overwrite-on-duplicate regex.
 * The third part (the original message or its headers) is evidence.
 */
const MAPPING: Record<string, KeyMapping> = {
  'feedback-type': { field: 'report.type' },
  'user-agent': { field: 'report.user_agent' },
  version: { field: 'report.format_version' },
  'arrival-date': { field: 'incident.start', type: 'datetime' },
  'received-date': { field: 'incident.start', type: 'datetime' },
  'source-ip': { field: 'attack_sources[].hostname', type: 'host' },
  'reported-domain': { field: 'report.reported_domains' },
  'reported-uri': { field: 'report.reported_uris' },
  'original-mail-from': { field: 'incident.original_mail_from' },
  'original-rcpt-to': { field: 'incident.original_rcpt_to' },
  'original-envelope-id': { field: 'incident.original_envelope_id' },
  'reporting-mta': { field: 'report.reporting_mta' },
  incidents: { field: 'incident.count' },
  'authentication-results': { field: 'incident.authentication_results' },
  // RFC 6591 authentication failure reports (DMARC failure reports, RFC 7489 §7.3).
  'auth-failure': { field: 'incident.auth_failure' },
  'dkim-domain': { field: 'incident.dkim_domain' },
  'dkim-identity': { field: 'incident.dkim_identity' },
  'dkim-selector': { field: 'incident.dkim_selector' },
  'spf-dns': { field: 'incident.spf_dns' },
  'delivery-result': { field: 'incident.delivery_result' },
  'identity-alignment': { field: 'incident.identity_alignment' },
};
const REQUIRED = ['feedback-type', 'user-agent', 'version'];
const MAX_REPORT = 64 * 1024;

export function isArf(draft: Draft): boolean {
  return feedbackPart(draft.body.attachments) !== null;
}

export function readArf(draft: Draft): MachineReading | null {
  const part = feedbackPart(draft.body.attachments);
  if (!part) return null;
  const values = readFeedbackFields(part.content.subarray(0, MAX_REPORT).toString('utf8'));
  const keys = new Set(values.map((v) => v.key.toLowerCase()));
  const missing = REQUIRED.filter((k) => !keys.has(k));
  const evidence = draft.body.attachments.filter((a) => /^(?:message\/rfc822|text\/rfc822-headers|message\/rfc822-headers)$/i.test(a.contentType));
  return {
    template: 'arf',
    fields: mapFields(values, MAPPING),
    warnings: missing.length > 0 ? [`incomplete ARF report: no ${missing.join(', ')} (RFC 5965 §3.1)`] : [],
    texts: [draft.body.text, ...evidence.map((a) => a.content.subarray(0, MAX_REPORT).toString('utf8'))],
  };
}

function feedbackPart(attachments: ExtractedAttachment[]): ExtractedAttachment | null {
  return attachments.find((a) => a.contentType.toLowerCase() === 'message/feedback-report') ?? null;
}

/** RFC 5322 header syntax: unfold continuation lines, keep every field in order. */
export function readFeedbackFields(text: string): NamedValue[] {
  const fields: NamedValue[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      const last = fields[fields.length - 1];
      if (last) last.value += ` ${line.trim()}`;
      continue;
    }
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 76 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) continue;
    fields.push({ key: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  return fields;
}
