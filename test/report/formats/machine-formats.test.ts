import { describe, expect, it } from 'vitest';
import { initialDraft, type Draft, type ExtractedAttachment } from '../../../src/model/draft.js';
import { readHeaders } from '../../../src/model/raw-headers.js';
import { fileTransport } from '../../../src/model/transport.js';
import { readArf, readFeedbackFields } from '../../../src/report/formats/arf.js';
import { readIodef } from '../../../src/report/formats/iodef.js';
import { readXArf } from '../../../src/report/formats/x-arf.js';
import { readXarfJson } from '../../../src/report/formats/xarf-json.js';

function draft(text: string, attachments: Array<Partial<ExtractedAttachment> & { content: Buffer }> = [], headers = 'X-ARF: yes\r\n'): Draft {
  const raw = Buffer.from(`From: a@example.org\r\n${headers}\r\nbody\r\n`);
  const base = initialDraft({ receiptId: 'x', raw, sha256: '0'.repeat(64), receivedAt: new Date(), transport: fileTransport('a@example.org', []) });
  return {
    ...base,
    outerHeaders: readHeaders(raw),
    body: { text, html: null, attachments: attachments.map((a) => ({ filename: null, contentType: 'text/plain', sha256: '0', ...a })) },
  };
}

describe('X-ARF', () => {
  it('reads report.txt sent as an attachment', () => {
    const yaml = 'Reported-From: x@example.net\nReport-Type: login-attack\nSource: 192.0.2.7\nVersion: 0.1\n';
    const read = readXArf(draft('human text', [{ filename: 'report.txt', content: Buffer.from(yaml) }]))!;
    expect(read.fields).toMatchObject({ report: { type: { value: 'login-attack' }, format_version: { value: '0.1' } }, attack_sources: [{ ips: { value: ['192.0.2.7'] } }] });
  });

  it('refuses YAML aliases (no entity expansion): the lines are read as written, with a warning', () => {
    const bomb = 'Reported-From: x@example.net\nReport-Type: &a [x, x, x]\nSource-Type: *a\n';
    const read = readXArf(draft(`hello\n${bomb}`))!;
    expect(read.fields).toMatchObject({ report: { type: { raw: '&a [x, x, x]' }, source_type: { raw: '*a' } } });
    expect(read.warnings).toEqual([expect.stringMatching(/^report\.txt is not strict YAML \(.*alias.*\); read line by line$/i)]);
  });

  it('reads report.txt that is not strict YAML line by line (unquoted ": ", "@", tabs)', () => {
    const text = 'Reported-From: feedback@example.net\nCategory: abuse\nReport-Type: login-attack\nUser-Agent: fail2ban: xarf-login-attack 0.9\nReport-ID: @1764670000@vpn1\nSource-Type: ip-address\nSource:\t203.0.113.9\n';
    const read = readXArf(draft(`hello\n${text}`))!;
    expect(read.warnings).toEqual([expect.stringMatching(/not strict YAML .*read line by line/)]);
    expect(read.fields).toMatchObject({ report: { type: { value: 'login-attack' }, user_agent: { raw: 'fail2ban: xarf-login-attack 0.9' }, id: { raw: '@1764670000@vpn1' } } });
    expect(read.fields.attack_sources).toMatchObject([{ ips: { value: ['203.0.113.9'] } }]);
  });
});

describe('ARF (RFC 5965)', () => {
  it('unfolds continuation lines and keeps repeated fields', () => {
    const fields = readFeedbackFields('Feedback-Type: abuse\r\nAuthentication-Results: a;\r\n  spf=fail\r\nReported-URI: http://a.example/\r\nReported-URI: http://b.example/\r\n');
    expect(fields).toEqual([
      { key: 'Feedback-Type', value: 'abuse' },
      { key: 'Authentication-Results', value: 'a; spf=fail' },
      { key: 'Reported-URI', value: 'http://a.example/' },
      { key: 'Reported-URI', value: 'http://b.example/' },
    ]);
  });

  it('warns about an incomplete report (RFC 5965 §3.1 required fields)', () => {
    const read = readArf(draft('x', [{ contentType: 'message/feedback-report', content: Buffer.from('Feedback-Type: abuse\n') }], ''))!;
    expect(read.warnings).toEqual(['incomplete ARF report: no user-agent, version (RFC 5965 §3.1)']);
  });
});

describe('XARF JSON', () => {
  it('reads a v3 report with v4 names and says so', () => {
    const v3 = { Version: '3.0.0', ReporterInfo: { ReporterOrg: 'Org', ReporterContactEmail: 'r@example.org' }, Report: { ReportClass: 'Messaging', ReportType: 'spam', Date: '2026-11-23T10:00:00Z', Source: { IP: '192.0.2.77', Port: 25 } } };
    const read = readXarfJson(draft('see attachment', [{ contentType: 'application/json', content: Buffer.from(JSON.stringify(v3)) }], ''))!;
    expect(read.warnings).toEqual(['XARF v3 report, read with v4 names']);
    expect(read.fields).toMatchObject({ report: { category: { value: 'messaging' }, type: { value: 'spam' } }, attack_sources: [{ ips: { value: ['192.0.2.77'] }, port: { value: '25' } }] });
  });

  it('ignores JSON that is not XARF', () => {
    expect(readXarfJson(draft('{"Version": "1", "x": 2}', [], ''))).toBeNull();
  });
});

describe('IODEF', () => {
  it('refuses a document with a DOCTYPE (no entity expansion)', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><IODEF-Document version="2.00"><Incident purpose="reporting"/></IODEF-Document>';
    const read = readIodef(draft(xml, [], ''))!;
    expect(read.fields).toEqual({});
    expect(read.warnings).toEqual(['IODEF document with a DOCTYPE or entity declarations: not read']);
  });

  it('reads an IODEF v1 document: NodeName and Address, Impact type', () => {
    const xml = `<IODEF-Document version="1.00"><Incident purpose="reporting"><IncidentID name="x">ID-1</IncidentID>
      <Assessment><Impact type="dos" severity="medium"/></Assessment>
      <EventData><Flow><System category="source"><Node><NodeName>bad.example.net</NodeName><Address category="ipv4-addr">198.51.100.8</Address></Node></System></Flow></EventData>
      </Incident></IODEF-Document>`;
    const read = readIodef(draft(xml, [], ''))!;
    expect(read.fields).toMatchObject({
      report: { id: { value: 'ID-1' }, format_version: { value: '1.00' } },
      incident: { type: { value: 'dos' }, severity: { value: 'medium' } },
      attack_sources: [{ hostname: { value: 'bad.example.net' }, ips: { value: ['198.51.100.8'] } }],
    });
  });
});
