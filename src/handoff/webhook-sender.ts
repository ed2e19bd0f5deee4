import { createHmac } from 'node:crypto';
import { temporary } from '../model/errors.js';
import { describeFetchError } from './fetch-error.js';

/**
 * One webhook delivery: a JSON POST whose body is signed with HMAC-SHA256 under the
 * endpoint's secret (`X-Intake-Signature: sha256=<hex>`, the scheme GitHub and Stripe
 * receivers already verify), a 2xx answer meaning delivered. Anything else — a refused
 * connection, a timeout, a redirect, a 4xx or 5xx — is `temporary`: the outbox retries
 * with backoff until a 2xx or until it gives up (outbound.giveUpAfterSeconds). Redirects
 * are not followed: a signed report notice goes only where the operator configured.
 */
export const SIGNATURE_HEADER = 'X-Intake-Signature';
export const EVENT_HEADER = 'X-Intake-Event';
export const DELIVERY_HEADER = 'X-Intake-Delivery';

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

export interface WebhookDelivery {
  /** The event id, unchanged across retries so a receiver can drop repeats. */
  id: string;
  event: string;
  body: Buffer;
}

export function webhookSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Resolves with the HTTP status when the receiver answered 2xx; throws a temporary IntakeError otherwise. */
export async function sendWebhook(target: WebhookTarget, delivery: WebhookDelivery, userAgent: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': userAgent,
        [SIGNATURE_HEADER]: webhookSignature(target.secret, delivery.body),
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: delivery.id,
      },
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    throw temporary('webhook-unreachable', `webhook ${describeTarget(target.url)}: ${describeFetchError(error)}`, error);
  }
  // The answer's body is not needed; reading it frees the connection for reuse.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status >= 200 && response.status < 300) return response.status;
  throw temporary(`webhook-http-${response.status}`, `webhook ${describeTarget(target.url)}: HTTP ${response.status}`);
}

/** Scheme, host and path only: a query string may carry a receiver's own token. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
