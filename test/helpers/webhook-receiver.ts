import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/**
 * A real HTTP webhook receiver on 127.0.0.1 (port 0): it records every request, checks
 * the `X-Intake-Signature` HMAC the way a receiver should (recomputed over the raw body,
 * compared in constant time), and answers with the statuses it is told, in order, then
 * 200 for ever after. Status 0 means no answer at all: the request is held open (a
 * receiver that hangs, so a test can kill the sender mid-delivery).
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  signatureValid: boolean;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses to answer next, one per request. */
  answer(...statuses: number[]): void;
  /** Resolves when at least `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const planned: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = planned.shift() ?? 200;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid: signatureMatches(secret, body, req.headers['x-intake-signature']),
        status,
      });
      if (status === 0) return;
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/hooks/intake`,
    requests,
    answer: (...statuses) => planned.push(...statuses),
    async waitFor(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${requests.length} of ${count} webhook requests within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return requests;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function signatureMatches(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
