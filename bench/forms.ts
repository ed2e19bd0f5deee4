import path from 'node:path';
import { initialDraft, type Draft } from '../src/model/draft.js';
import { readHeaders } from '../src/model/raw-headers.js';
import { fileTransport } from '../src/model/transport.js';
import { parseConfig } from '../src/config/load-config.js';
import { loadReportKnowledge } from '../src/report/knowledge.js';
import { readForm } from '../src/report/forms/read-form.js';
import { prepareText } from '../src/report/text/prepare-text.js';
import { understandReport } from '../src/report/understand-report.js';
import { peakRssMiB, report, round } from './bench-lib.js';

/**
 * Issue 6 figures: form-parser throughput on a 50 KB log-heavy CERT/CC v5 report (forms
 * per second), the whole extract-report stage on it (parser + indicators + rules), and
 * a hostile 50 KB single-line answer. The baseline, measured in the same run, is
 * AbuseIO's one-regex key: value split (`([\w\-]+): (.*)`) over the same text: the
 * cheapest reading there is, and a wrong one (it loses labels with spaces and
 * multi-line answers) — the ratio is what understanding the form costs.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const config = parseConfig(path.join(process.cwd(), 'bench.yaml'), 'team: { name: X, ticketPrefix: XYZ, addresses: [cert@xyz.example], ackFrom: cert@xyz.example }\n', process.cwd());
const knowledge = await loadReportKnowledge(config);

function logHeavyReport(bytes: number): string {
  const head = [
    ' 1. name.........................: Jane Doe',
    ' 2. organization name............: Example University',
    ' 4. email address................: jane.doe@example.edu',
    ' 7. hostname and IP..............: web1.example.edu 192.0.2.10',
    ' 8. timezone.....................: EST (GMT-5)',
    '10. hostname or IP...............: 198.51.100.23',
    '14. Description of the incident:',
    'Brute force against ssh, then a login. Log extract:',
  ];
  const lines = [...head];
  let size = lines.join('\n').length;
  for (let i = 0; size < bytes; i++) {
    const line = i % 7 === 0
      ? `Date: Mon, 23 Nov 2026 0${i % 10}:${String(i % 60).padStart(2, '0')}:00 -0500`
      : `Nov 23 02:${String(i % 60).padStart(2, '0')}:33 web1 sshd[${1000 + i}]: Failed password for root from 198.51.100.${i % 250} port ${40000 + i} ssh2`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function draftOf(text: string): Draft {
  const raw = Buffer.from('From: jane.doe@example.edu\r\nSubject: report\r\n\r\nx\r\n');
  const base = initialDraft({ receiptId: 'b', raw, sha256: '0'.repeat(64), receivedAt: new Date(), transport: fileTransport('jane.doe@example.edu', []) });
  return { ...base, outerHeaders: readHeaders(raw), body: { text, html: null, attachments: [] } };
}

function perSecond(work: () => unknown): number {
  for (let i = 0; i < 3; i++) work(); // warm-up
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    work();
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

const text = logHeavyReport(50 * 1024);
const draft = draftOf(text);
const check = readForm(prepareText(draft.body, knowledge.limits.maxTextBytes).lines, knowledge.forms);
if (check?.template !== 'cert-cc-v5') throw new Error('the bench report was not read as a v5 form');

const baseline = perSecond(() => {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/([\w-]+): (.*)[ ]*\r?\n/g)) fields[m[1]!] = m[2]!;
  return fields;
});
const parser = perSecond(() => readForm(prepareText(draft.body, knowledge.limits.maxTextBytes).lines, knowledge.forms));
const stage = perSecond(() => understandReport(draft, knowledge));
const hostile = draftOf(` 1. name: A\n 2. organization name: B\n 4. email address: a@example.org\n 6. other: ${'a:1.'.repeat(12_800)}\n`);
const hostileStage = perSecond(() => understandReport(hostile, knowledge));

report({
  section: 'forms',
  reportBytes: text.length,
  formParserPerSecond: round(parser),
  extractReportPerSecond: round(stage),
  baselineKeyValueRegexPerSecond: round(baseline),
  parserVsBaseline: round(parser / baseline, 3),
  hostile50KbLinePerSecond: round(hostileStage),
  peakRssMiB: peakRssMiB(),
});
