import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';
import { escapeForLog } from '../../src/log/escape.js';
import { fileTransport } from '../../src/model/transport.js';
import { logSink } from '../helpers/log-sink.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

describe('escapeForLog', () => {
  it('makes CR, LF, ANSI escapes and bidi overrides visible instead of effective', () => {
    expect(escapeForLog('a\r\nFAKE LOG LINE')).toBe('a\\r\\nFAKE LOG LINE');
    expect(escapeForLog('\x1b[2Jclear')).toBe('\\u001b[2Jclear');
    expect(escapeForLog('invoice\u202Efdp.exe')).toBe('invoice\\u202efdp.exe');
    expect(escapeForLog('\u0085next-line\u2066isolate')).toBe('\\u0085next-line\\u2066isolate');
  });

  it('bounds the length and says how much was cut', () => {
    expect(escapeForLog('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…[+290]`);
  });
});

describe('log lines', () => {

  it('the real logger writes JSON lines to the console stream and the log file, secrets redacted', async () => {
    const dir = await tempDir();
    const config = testConfig(dir);
    const chunks: string[] = [];
    const consoleStream = new (await import('node:stream')).Writable({
      write(chunk, _e, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const log = createLogger(config, consoleStream);
    log.logger.info({ password: 'hunter2', imap: { password: 'p2' }, outer: { inner: { passphrase: 'pp' } }, privateKey: 'k' }, 'hello');
    log.flush();
    const fileText = await readFile(config.log.file!, 'utf8');
    for (const text of [chunks.join(''), fileText]) {
      const line = JSON.parse(text.trim().split('\n').pop()!);
      expect(line.msg).toBe('hello');
      expect(text).not.toMatch(/hunter2|"p2"|"pp"|"k"/);
      expect(line.password).toBe('[redacted]');
    }
  });

  it('one "report processed" line with verdicts, the envelope sender escaped, no report text', async () => {
    const t = await createTestApp();
    const raw = Buffer.from(
      'From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: URGENT secret-subject-marker-7f3a\r\n\r\nsecret-body-marker-91bc lives here in the body\r\n',
    );
    const run = await runPipelineOn(t, raw, { transport: fileTransport('bounce\r\n\x1b[31m@example.org', ['cert@xyz.example']) });
    expect(run.outcome.kind).toBe('archived');
    const text = t.logs.text();
    expect(text).not.toContain('secret-subject-marker-7f3a');
    expect(text).not.toContain('secret-body-marker-91bc');
    const line = t.logs.lines.find((l) => l.msg === 'report processed')!;
    expect(line).toMatchObject({ ticket: 'XYZ-2026-00001', seq: 1, urgent: true, level: 40, transport: 'file', from: 'alice@example.org' });
    expect(line.mailFrom).toBe('bounce\\r\\n\\u001b[31m@example.org');
    expect(Object.keys(line)).toEqual(expect.arrayContaining(['encryption', 'signature', 'classification', 'ack', 'durationMs']));
    expect(path.basename(t.config.log.file!)).toBe('intake.log');
  });
});
