import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { HandoffDelivery, HandoffStore, HandoffTarget } from '../store/handoff-queue.js';
import type { TicketReads } from '../store/store.js';
import type { TicketEventKind } from '../store/ticket-events.js';
import { packageVersion } from '../version.js';
import { deliverToRt } from './deliver-rt.js';
import { readWebhookSecret, rtAuth } from './handoff-secrets.js';
import { RtClient } from './rt-client.js';
import { webhookBody, type WebhookEvent } from './webhook-body.js';
import { describeTarget, sendWebhook } from './webhook-sender.js';

/**
 * The configured hand-off targets (DESIGN §3 `handoff`), each with a stable id (the
 * store's deliveries refer to it), the events it wants and how one delivery is made.
 * Secrets are read once here; a missing one stops `intake serve` from starting.
 */
export interface TargetSpec extends HandoffTarget {
  /** For logs: `rt` or the webhook's scheme, host and path (never its query). */
  label: string;
  deliver(delivery: HandoffDelivery): Promise<void>;
}

export interface TargetDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  tickets: TicketReads;
  /** The store's hand-off queue (IntakeStore.handoff). */
  queue: HandoffStore;
  owner: string;
  now(): Date;
}

/** Request Tracker wants the messages; webhooks whatever they list. */
const RT_EVENTS: readonly TicketEventKind[] = ['ticket.created', 'message.added'];

/** Whether anything is configured to hand off to (serve then runs the hand-off sender). */
export function handoffConfigured(config: Config): boolean {
  return config.handoff.webhooks.length > 0 || config.handoff.rt !== null;
}

/** The configured targets' ids, without reading any secret. */
export function handoffTargetIds(config: Config): Array<{ id: string }> {
  return [...config.handoff.webhooks.map((w) => ({ id: webhookTargetId(w.url) })), ...(config.handoff.rt ? [{ id: 'rt' }] : [])];
}

export function webhookTargetId(url: string): string {
  return `webhook:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

export async function handoffTargets(deps: TargetDeps): Promise<TargetSpec[]> {
  const targets: TargetSpec[] = [];
  const userAgent = `csirt-intake/${packageVersion()}`;
  for (const hook of deps.config.handoff.webhooks) {
    const secret = await readWebhookSecret(hook.secretFile);
    const id = webhookTargetId(hook.url);
    targets.push({
      id,
      events: hook.events,
      label: describeTarget(hook.url),
      deliver: async (delivery) => {
        let body = delivery.body;
        if (body === null) {
          const e = delivery.event;
          const message = e.seq === null ? null : ((await deps.tickets.message(e.ticket, e.seq))?.record ?? null);
          body = webhookBody({ id: eventId(deps.config, e.id), event: e.kind as WebhookEvent, occurredAt: new Date(e.at), ticket: e.ticketRecord, message });
          // Frozen at the first attempt: every retry sends (and signs) the same bytes.
          await deps.queue.progress(delivery.key, deps.owner, body, null);
        }
        await sendWebhook({ url: hook.url, secret, timeoutMs: hook.timeoutSeconds * 1000 }, { id: eventId(deps.config, delivery.event.id), event: delivery.event.kind, body }, userAgent);
      },
    });
  }
  const rtConfig = deps.config.handoff.rt;
  if (rtConfig) {
    const rt = new RtClient({ url: rtConfig.url, auth: await rtAuth(rtConfig, deps.env), timeoutMs: rtConfig.timeoutSeconds * 1000 });
    targets.push({
      id: 'rt',
      events: RT_EVENTS,
      label: 'rt',
      deliver: async (delivery) => {
        await deliverToRt(delivery, {
          rt,
          config: rtConfig,
          maxTextChars: deps.config.report.maxTextBytes,
          handoff: deps.queue,
          tickets: deps.tickets,
          now: deps.now,
          saveProgress: (d, progress) => deps.queue.progress(d.key, deps.owner, null, JSON.stringify(progress)),
        });
      },
    });
  }
  return targets;
}

/** What receivers de-duplicate by: the team's prefix and the event's number in the store. */
function eventId(config: Config, id: number): string {
  return `${config.team.ticketPrefix}-event-${id}`;
}
