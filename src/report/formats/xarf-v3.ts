/**
 * XARF v3 → v4 names (xarf-spec docs/implementation-guide.md, "v3 Compatibility": v4
 * parsers must read v3 reports; "v3 ReportType values do not map 1:1 … maintain an
 * explicit mapping table; unmapped values surface as warnings"). v3 came in two shapes,
 * both read here:
 *   - the legacy schema (schemas/v3/xarf-v3-legacy.json): flat `Report.SourceIp`,
 *     `SourcePort`, `DestinationIp`, `DestinationPort`, `Protocol`, `Url`,
 *     `AttackDescription`, `AttackCount`, `Samples` [{ContentType, Payload}];
 *   - the sample reports (samples/v3/*.json): `Report.Source` {IP | URL | Value, Port,
 *     Type}, `Attachment` [{ContentType, Data}], `AdditionalInfo`.
 */
type Json = Record<string, unknown>;

/** v3 ReportType (any case, `-` or `_`) → v4 category and type. */
const REPORT_TYPES: Record<string, [string, string]> = {
  spam: ['messaging', 'spam'],
  'login-attack': ['connection', 'login_attack'],
  'port-scan': ['connection', 'port_scan'],
  portscan: ['connection', 'port_scan'],
  ddos: ['connection', 'ddos'],
  phishing: ['content', 'phishing'],
  malware: ['content', 'malware'],
  botnet: ['infrastructure', 'botnet'],
  copyright: ['copyright', 'copyright'],
};

export function fromV3(v3: Json, warnings: string[]): Json {
  warnings.push('XARF v3 report, read with v4 names');
  const info = object(v3.ReporterInfo);
  const report = object(v3.Report);
  const source = object(report.Source);
  const reportType = typeof report.ReportType === 'string' ? report.ReportType : '';
  const mapped = REPORT_TYPES[reportType.toLowerCase().replace(/_/g, '-')];
  if (!mapped) warnings.push(`XARF v3 ReportType ${JSON.stringify(reportType.slice(0, 60))} has no v4 category/type`);
  return {
    xarf_version: v3.Version,
    legacy_version: '3',
    category: mapped?.[0] ?? null,
    type: mapped?.[1] ?? (reportType || null),
    timestamp: report.Date,
    reporter: { org: info.ReporterOrg, contact: info.ReporterContactEmail ?? info.ReporterOrgEmail, domain: info.ReporterOrgDomain },
    source_identifier: report.SourceIp ?? source.IP ?? source.URL ?? source.Value,
    source_port: report.SourcePort ?? source.Port,
    destination_ip: report.DestinationIp,
    destination_port: report.DestinationPort,
    protocol: report.Protocol,
    url: report.Url ?? source.URL,
    description: report.AttackDescription,
    attempt_count: report.AttackCount,
    smtp_mail_from: report.SmtpMailFromAddress,
    evidence: evidence(report),
    additional_info: report.AdditionalInfo,
  };
}

/** Samples (legacy schema) or Attachment (sample reports) as v4 evidence items. */
function evidence(report: Json): Array<{ content_type: unknown; payload: unknown }> | undefined {
  const items = Array.isArray(report.Samples) ? report.Samples : Array.isArray(report.Attachment) ? report.Attachment : null;
  if (!items) return undefined;
  return items.slice(0, 20).map((item) => {
    const o = object(item);
    return { content_type: o.ContentType, payload: o.Payload ?? o.Data };
  });
}

function object(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
