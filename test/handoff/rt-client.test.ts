import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtClient, restBase } from '../../src/handoff/rt-client.js';
import { IntakeError } from '../../src/model/errors.js';
import {
  RT_CUSTOM_FIELDS,
  RT_QUEUE,
  RT_ROOT,
  RT_SKIP_MESSAGE,
  requestTrackerMissing,
  startRequestTracker,
  type RequestTracker,
} from '../helpers/request-tracker.js';

const missing = requestTrackerMissing();
if (missing) console.warn(RT_SKIP_MESSAGE(missing));

describe.skipIf(missing !== null)('RT REST2 client against a real Request Tracker 5', () => {
  let rt: RequestTracker;
  let client: RtClient;

  beforeAll(async () => {
    rt = await startRequestTracker();
    console.info(`request tracker: database ${rt.timings.databaseMs} ms, rt-server start ${rt.timings.startMs} ms`);
    client = new RtClient({ url: rt.url, auth: { kind: 'token', token: rt.token } });
  }, 180_000);
  afterAll(() => rt?.stop());

  it('creates a ticket with content, custom fields and an attachment, and reads it back', async () => {
    const content = 'Reporter text: 198.51.100.7 scanned us.\nZweite Zeile: grüße\n';
    const id = await client.createTicket({
      queue: RT_QUEUE,
      subject: '[XYZ-2026-00001] scan from 198.51.100.7',
      content,
      customFields: { [RT_CUSTOM_FIELDS.ticket]: 'XYZ-2026-00001', [RT_CUSTOM_FIELDS.encryption]: 'decrypted' },
      attachments: [{ name: 'scan.log', contentType: 'text/plain', content: Buffer.from('port 22 hit\n') }],
    });
    expect(id).toBeGreaterThan(0);
    const ticket = await client.readTicket(id);
    expect(ticket.subject).toBe('[XYZ-2026-00001] scan from 198.51.100.7');
    expect(ticket.customFields[RT_CUSTOM_FIELDS.ticket]).toEqual(['XYZ-2026-00001']);
    expect(ticket.customFields[RT_CUSTOM_FIELDS.encryption]).toEqual(['decrypted']);
    const history = await client.history(id);
    const create = history.find((t) => t.type === 'Create');
    expect(create?.texts.join('')).toBe(content);
    expect(create?.files).toEqual(['scan.log']);
  });

  it('adds correspondence and a comment to the same ticket', async () => {
    const id = await client.createTicket({ queue: RT_QUEUE, subject: 'thread', content: 'first' });
    await client.correspond(id, 'the reporter wrote again');
    await client.comment(id, 'signed by ABCD (whole message)');
    const history = await client.history(id);
    expect(history.filter((t) => t.type === 'Correspond').map((t) => t.texts.join(''))).toEqual(['the reporter wrote again']);
    expect(history.filter((t) => t.type === 'Comment').map((t) => t.texts.join(''))).toEqual(['signed by ABCD (whole message)']);
  });

  it('authenticates with an RT user and password (HTTP Basic) as well', async () => {
    const basic = new RtClient({ url: `${rt.url}/`, auth: { kind: 'basic', ...RT_ROOT } });
    const id = await basic.createTicket({ queue: RT_QUEUE, subject: 'basic auth', content: 'x' });
    expect((await basic.readTicket(id)).subject).toBe('basic auth');
  });

  it('types failures for the outbox: what an operator can fix is retried, a malformed request is not', async () => {
    const wrong = new RtClient({ url: rt.url, auth: { kind: 'token', token: '1-14-00000000000000000000000000000000' } });
    await expect(wrong.readTicket(1)).rejects.toMatchObject({ kind: 'temporary', code: 'rt-http-401' });
    // RT answers 403 for a queue that does not exist or that the user may not create in.
    const noQueue = await client.createTicket({ queue: 'No Such Queue', subject: 's', content: 'c' }).catch((e: unknown) => e);
    expect(noQueue).toMatchObject({ kind: 'temporary', code: 'rt-http-403' });
    // An attachment without a file name is refused (400) however often it is sent.
    const bad = await client
      .createTicket({ queue: RT_QUEUE, subject: 's', content: 'c', attachments: [{ name: '', contentType: 'text/plain', content: Buffer.from('x') }] })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(IntakeError);
    expect(bad).toMatchObject({ kind: 'permanent', code: 'rt-http-400' });
  });
});

describe('RT REST2 client without a server', () => {
  it('finds REST2 under the web root however the URL is written', () => {
    expect(restBase('https://rt.example/')).toBe('https://rt.example/REST/2.0/');
    expect(restBase('https://rt.example/rt')).toBe('https://rt.example/rt/REST/2.0/');
    expect(restBase('https://rt.example/REST/2.0/')).toBe('https://rt.example/REST/2.0/');
  });

  it('treats an unreachable RT as temporary', async () => {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    const client = new RtClient({ url: 'http://127.0.0.1:9', auth: { kind: 'token', token: 't' }, timeoutMs: 5000 });
    await expect(client.readTicket(1)).rejects.toMatchObject({ kind: 'temporary', code: 'rt-unreachable' });
  });
});
