import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/archive-scan.js';
import { startPgCluster } from '../helpers/pg-cluster.js';
import { startServe, writeServeConfig, type ServeProcess } from '../helpers/serve-process.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

const sinks: Sink[] = [];
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

const report = (token: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\nbody ${token}\r\n`;

async function send(port: number, from: string, raw: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from, to: ['cert@xyz.example'] }, raw });
  } finally {
    transport.close();
  }
}

async function get(port: number, what: string, method = 'GET') {
  const response = await fetch(`http://127.0.0.1:${port}${what}`, { method });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** The value of one sample in Prometheus text (null when absent). */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

async function serveWithMetrics(extra: Record<string, unknown> = {}): Promise<{ dir: string; serve: ServeProcess; smtp: number; metrics: number; sink: Sink }> {
  const sink = await startSink();
  sinks.push(sink);
  const dir = await tempDir();
  const serve = startServe(
    dir,
    await writeServeConfig(dir, {
      metrics: { enabled: true, host: '127.0.0.1', port: 0 },
      outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, starttls: 'never', pollSeconds: 0.2 },
      log: { level: 'info', file: 'data/logs/intake.log' },
      ...extra,
    }),
  );
  const smtp = await serve.smtpPort();
  const metrics = Number((await serve.waitForLine((l) => l.msg === 'metrics listener started', 'the metrics listener')).port);
  return { dir, serve, smtp, metrics, sink };
}

describe('GET /healthz and /metrics of intake serve (issue 13 item 6)', () => {
  it('healthz: 200 with the store, team key and listeners; 404 and 405 for anything else', async () => {
    const { serve, smtp, metrics } = await serveWithMetrics();
    const started = await serve.waitForLine((l) => l.msg === 'intake serve started', 'the start line');
    expect(started.listeners).toEqual([
      { name: 'smtp', kind: 'listener', address: `127.0.0.1:${smtp}` },
      { name: 'metrics', kind: 'listener', address: `127.0.0.1:${metrics}` },
    ]);
    expect(started.store).toMatchObject({ engine: 'sqlite' });
    const healthy = await get(metrics, '/healthz');
    expect(healthy.status).toBe(200);
    expect(healthy.type).toMatch(/^application\/json/);
    const body = JSON.parse(healthy.text);
    expect(body).toMatchObject({ status: 'ok', reasons: [], store: 'ok', teamKey: { fingerprint: (started.teamKey as { fingerprint: string }).fingerprint } });
    expect(body.listeners).toEqual([{ name: 'smtp', up: true, address: `127.0.0.1:${smtp}` }]);
    expect((await get(metrics, '/nothing')).status).toBe(404);
    expect((await get(metrics, '/metrics', 'POST')).status).toBe(405);
    expect((await get(metrics, '/healthz', 'HEAD')).text).toBe('');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('healthz: 503 with the reason when the PostgreSQL store stops answering, and the daemon stays up', async () => {
    const cluster = await startPgCluster();
    try {
      const url = await cluster.createDatabase('health');
      const { serve, metrics } = await serveWithMetrics({ store: { engine: 'postgresql', url } });
      expect((await get(metrics, '/healthz')).status).toBe(200);
      await cluster.stop();
      const sick = await get(metrics, '/healthz').catch((error: Error) => {
        throw new Error(`${error.message}; serve: ${serve.child.exitCode} ${serve.stderr()} ${JSON.stringify(serve.lines.slice(-4))}`);
      });
      expect(sick.status).toBe(503);
      const report = JSON.parse(sick.text);
      expect(report.status).toBe('unavailable');
      expect(report.reasons).toEqual([expect.stringMatching(/^store: /)]);
      expect(serve.child.exitCode).toBeNull();
      serve.child.kill('SIGTERM');
      await serve.exited;
    } finally {
      await cluster.stop();
    }
  }, 120_000);

  it('metrics: Prometheus text whose counters move with messages, verdicts and acks', async () => {
    const { serve, smtp, metrics, sink } = await serveWithMetrics();
    const before = await get(metrics, '/metrics');
    expect(before.status).toBe(200);
    expect(before.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(before.text).toMatch(/^intake_build_info\{version="[^"]+",node="v\d+\.\d+\.\d+"\} 1$/m);
    expect(sample(before.text, 'intake_queue_depth{queue="received"}')).toBe(0);
    expect(sample(before.text, 'intake_worker_restarts_total')).toBe(0);
    expect(sample(before.text, 'intake_messages_total{transport="smtp",outcome="new"}')).toBeNull();
    expect(before.text).toContain('# TYPE intake_processing_seconds histogram');
    expect(before.text).toContain('process_resident_memory_bytes');

    await send(smtp, 'alice@example.org', report('m1'));
    await sink.waitFor(() => sink.messages.length === 1);
    await send(smtp, 'alice@example.org', report('m1')); // the same bytes: a duplicate
    await send(smtp, '', report('m2')); // null sender: no ack (RFC 3834)
    await serve.waitForLine((l) => l.msg === 'ack delivered', 'the delivery');
    // The counters move once a message leaves the work queue, just after its log line.
    let after = '';
    await waitFor(async () => {
      after = (await get(metrics, '/metrics')).text;
      return sample(after, 'intake_messages_total{transport="smtp",outcome="new"}') === 2 && sample(after, 'intake_messages_total{transport="smtp",outcome="duplicate"}') === 1;
    }, 'three messages counted');
    expect(sample(after, 'intake_messages_total{transport="smtp",outcome="new"}')).toBe(2);
    expect(sample(after, 'intake_messages_total{transport="smtp",outcome="duplicate"}')).toBe(1);
    expect(sample(after, 'intake_reports_encryption_total{status="none"}')).toBe(2);
    expect(sample(after, 'intake_reports_signature_total{status="none"}')).toBe(2);
    expect(sample(after, 'intake_acks_total{event="queued"}')).toBe(1);
    expect(sample(after, 'intake_acks_total{event="delivered"}')).toBe(1);
    expect(sample(after, 'intake_acks_total{event="suppressed"}')).toBe(1);
    const suppressed = after.split('\n').filter((l) => l.startsWith('intake_acks_suppressed_total{'));
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]).toMatch(/^intake_acks_suppressed_total\{reason="[a-z-]+"\} 1$/);
    expect(sample(after, 'intake_processing_seconds_count')).toBe(2);
    expect(sample(after, 'intake_queue_depth{queue="outbox"}')).toBe(0);
    expect(after).toMatch(/^intake_team_key_expiry_timestamp_seconds \+Inf$/m); // the test key never expires
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('metrics: a message over its processing budget counts an overrun and a worker restart', async () => {
    const { serve, smtp, metrics } = await serveWithMetrics({ processing: { workers: 1, timeoutSeconds: 0.3 } });
    // A 24 MB quoted-printable body: mailparser needs seconds for it, the budget is 0.3 s.
    const line = '=41=42=43=44=45=46=47=48=49=4A=4B=4C=4D=4E=4F=50=51=52=53=54=55=56=57=58=\r\n';
    const heavy = `From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: heavy\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${line.repeat(Math.floor((24 * 1024 * 1024) / line.length))}`;
    await send(smtp, 'mallory@example.net', heavy);
    let text = '';
    await waitFor(async () => {
      text = (await get(metrics, '/metrics')).text;
      return sample(text, 'intake_messages_total{transport="smtp",outcome="new"}') === 1;
    }, 'the heavy message archived as overrun', 90_000);
    // At least once: with a 0.3 s budget the receipt's lease (twice the budget) can run out
    // while the message is handled, and recovery then takes it up again (and overruns again).
    const overruns = sample(text, 'intake_budget_overruns_total{budget="time"}');
    expect(overruns).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'intake_worker_restarts_total')).toBe(overruns);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  }, 120_000);
});
