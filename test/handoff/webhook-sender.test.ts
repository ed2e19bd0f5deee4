import { afterEach, describe, expect, it } from 'vitest';
import { webhookBody, webhookDocument } from '../../src/handoff/webhook-body.js';
import { sendWebhook, webhookSignature } from '../../src/handoff/webhook-sender.js';
import { runPipelineOn } from '../helpers/pipeline.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { pgpFixtures, pgpTestApp, reporterTransport } from '../openpgp/pgp-fixtures.js';

const SECRET = 'hook-secret-for-tests';
const UA = 'csirt-intake/test';
let receiver: WebhookReceiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

const delivery = (id = 'evt-1') => ({ id, event: 'ticket.created', body: Buffer.from(JSON.stringify({ id, event: 'ticket.created' })) });

describe('webhook sender against a real HTTP receiver on loopback', () => {
  it('POSTs the JSON body signed with HMAC-SHA256, with the event and delivery id', async () => {
    receiver = await startWebhookReceiver(SECRET);
    const d = delivery();
    expect(await sendWebhook({ url: receiver.url, secret: SECRET, timeoutMs: 10_000 }, d, UA)).toBe(200);
    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/hooks/intake');
    expect(req?.signatureValid).toBe(true);
    expect(req?.headers['x-intake-signature']).toBe(webhookSignature(SECRET, d.body));
    expect(req?.headers['x-intake-event']).toBe('ticket.created');
    expect(req?.headers['x-intake-delivery']).toBe('evt-1');
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.body.equals(d.body)).toBe(true);
  });

  it('a receiver holding another secret sees a bad signature', async () => {
    receiver = await startWebhookReceiver('another-secret');
    await sendWebhook({ url: receiver.url, secret: SECRET, timeoutMs: 10_000 }, delivery(), UA);
    expect(receiver.requests[0]?.signatureValid).toBe(false);
  });

  it('a 500 is temporary, and the retry carries the same id, body and signature', async () => {
    receiver = await startWebhookReceiver(SECRET);
    receiver.answer(500);
    const target = { url: receiver.url, secret: SECRET, timeoutMs: 10_000 };
    await expect(sendWebhook(target, delivery('evt-7'), UA)).rejects.toMatchObject({ kind: 'temporary', code: 'webhook-http-500' });
    expect(await sendWebhook(target, delivery('evt-7'), UA)).toBe(200);
    const [first, second] = receiver.requests;
    expect(first?.status).toBe(500);
    expect(second?.status).toBe(200);
    expect(second?.headers['x-intake-delivery']).toBe(first?.headers['x-intake-delivery']);
    expect(second?.body.equals(first!.body)).toBe(true);
    expect(second?.signatureValid).toBe(true);
  });

  it('does not follow a redirect, and a refused connection is temporary', async () => {
    receiver = await startWebhookReceiver(SECRET);
    receiver.answer(302);
    const target = { url: receiver.url, secret: SECRET, timeoutMs: 10_000 };
    await expect(sendWebhook(target, delivery(), UA)).rejects.toMatchObject({ kind: 'temporary', code: 'webhook-http-302' });
    expect(receiver.requests).toHaveLength(1);
    const url = receiver.url;
    await receiver.close();
    receiver = null;
    await expect(sendWebhook({ ...target, url }, delivery(), UA)).rejects.toMatchObject({ kind: 'temporary', code: 'webhook-unreachable' });
  });
});

describe('webhook document', () => {
  it('carries message.json of a decrypted report without the words that came out of the ciphertext', async () => {
    const fixture = pgpFixtures('openpgp').find((f) => f.name === 'shape-protected-headers')!;
    const t = await pgpTestApp(fixture.expected);
    const run = await runPipelineOn(t, fixture.file, { transport: reporterTransport });
    const innerSubject = run.record!.headers.innerSubject!;
    expect(innerSubject).toContain('more scanning');
    const input = { id: 'e1', event: 'message.added' as const, occurredAt: new Date(), ticket: run.ticket!, message: run.record! };
    const body = webhookBody(input).toString('utf8');
    expect(body).not.toContain('more scanning');
    expect(body).not.toContain('MARKER-shape-protected-headers');
    const document = webhookDocument(input);
    expect(document.redacted).toContain('headers.innerSubject');
    // The verdicts stay: that is what the receiver is for.
    expect(document.message?.encryption.status).toBe('decrypted');
    expect(document.message?.signature.signers[0]?.fingerprint).toBe('E4A7D13E9392012E88BA501F0B48262379B53BFC');
    expect(document.ticket.id).toBe(run.ticket!.id);
  });
});
