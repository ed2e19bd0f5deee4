import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePgp } from '../helpers/ack-checks.js';
import { runCli } from '../helpers/cli.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Webhooks end to end with the built CLI: reports committed by `intake ingest`, delivered
 * by `intake serve` to a real HTTP receiver on loopback. The receiver hangs on the first
 * delivery; `intake serve` is killed with SIGKILL while it waits; after the restart every
 * event is delivered, and each exactly once with a 2xx, signed.
 */
const SECRET = 'webhook-secret-for-the-crash-test';
let receiver: WebhookReceiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

const report = (i: number) =>
  ['From: Alice <alice@example.org>', 'To: cert@xyz.example', `Subject: scan ${i}`, `Message-ID: <crash-hook-${i}@example.org>`, '', `198.51.100.${i} scanned us.`, ''].join('\r\n');

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('webhooks across a SIGKILL of intake serve', () => {
  it('a delivery cut off by SIGKILL is made once after the restart; every event once, signed', async () => {
    receiver = await startWebhookReceiver(SECRET);
    receiver.answer(0); // the first delivery hangs
    const dir = await tempDir();
    const secretFile = path.join(dir, 'hook.secret');
    await writeFile(secretFile, SECRET, { mode: 0o600 });
    const config = await writeServeConfig(dir, {
      smtp: { enabled: false },
      pgp: fixturePgp(),
      ack: { enabled: false },
      outbound: { pollSeconds: 0.2, retryInitialSeconds: 0.2, retryMaxSeconds: 0.5 },
      handoff: { webhooks: [{ url: receiver.url, secretFile, timeoutSeconds: 3 }], leaseSeconds: 4 },
    });
    const first = startServe(dir, config);
    await first.waitForLine((l) => l.msg === 'intake serve started', 'start');
    for (let i = 1; i <= 3; i++) {
      const file = path.join(dir, `r${i}.eml`);
      await writeFile(file, report(i));
      const ingested = await runCli(['--config', config, 'ingest', '--sender', 'alice@example.org', file], { cwd: dir });
      expect(ingested.code, ingested.stderr).toBe(0);
    }
    await receiver.waitFor(1);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startServe(dir, config);
    await second.waitForLine((l) => l.msg === 'intake serve started', 'restart');
    await until(() => receiver!.requests.filter((r) => r.status === 200).length >= 3, 90_000);
    // A moment more: nothing further may arrive.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    second.child.kill('SIGTERM');
    await second.exited;

    const delivered = receiver.requests.filter((r) => r.status === 200);
    const ids = delivered.map((r) => String(r.headers['x-intake-delivery']));
    expect(new Set(ids).size).toBe(3);
    expect(ids).toHaveLength(3);
    expect(delivered.every((r) => r.signatureValid)).toBe(true);
    const events = delivered.map((r) => JSON.parse(r.body.toString()) as { event: string; ticket: { id: string } });
    expect(events.map((e) => e.event)).toEqual(['ticket.created', 'ticket.created', 'ticket.created']);
    expect(new Set(events.map((e) => e.ticket.id)).size).toBe(3);
    // The request cut off by the kill was for one of these events; it got no 2xx, and its retry did.
    expect(ids).toContain(String(receiver.requests[0]!.headers['x-intake-delivery']));
  });
});
