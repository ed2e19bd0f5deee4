import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { ExtractedAttachment, ReportBody } from '../model/draft.js';
import { temporary } from '../model/errors.js';
import type { FromCheck } from '../model/message-record.js';
import type { OpenedPayload } from './open-payload.js';
import type { MailPlan } from '../compose/mail-plan.js';
import type { OutgoingMail } from '../model/outgoing-mail.js';

/**
 * A small pool of OpenPGP worker threads, so decryption and verification — CPU-bound,
 * and on Node 20 pure JavaScript for RSA — use every core instead of the main thread's
 * one. Each worker parses the keys once at start-up (the same files the main thread
 * read). A worker that dies fails its messages temporarily (they stay in the spool and
 * are retried) and is replaced.
 */
export interface OpenpgpWorkers {
  open(raw: Buffer, from: FromCheck, receivedAt: Date): Promise<OpenedPayload>;
  /** Signs (and encrypts) one of our automatic messages with the worker's copy of the keys. */
  compose(plan: MailPlan): Promise<OutgoingMail>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; revive: (value: never) => unknown }>;
}

export async function startOpenpgpWorkers(config: Config, passphrase: string | null, count: number): Promise<OpenpgpWorkers> {
  let nextId = 0;
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  const spawnSlot = async (): Promise<Slot> => {
    const worker = new Worker(workerScript(), { workerData: { config, passphrase } });
    const slot: Slot = { worker, pending: new Map() };
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('message', (reply: { id: number; result?: never; error?: { message: string; code: string | null } }) => {
      const waiter = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      if (!waiter) return;
      if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code ?? undefined }));
      else waiter.resolve(waiter.revive(reply.result!));
    });
    worker.on('error', (error) => fail(slot, error));
    worker.on('exit', (code) => fail(slot, new Error(`OpenPGP worker exited with ${code}`)));
    return slot;
  };
  const slots = await Promise.all(Array.from({ length: count }, spawnSlot));
  const fail = (slot: Slot, error: Error): void => {
    for (const waiter of slot.pending.values()) waiter.reject(temporary('openpgp-worker-failed', error.message, error));
    slot.pending.clear();
    const index = slots.indexOf(slot);
    if (index !== -1 && !closing) {
      slots.splice(index, 1);
      void spawnSlot().then((fresh) => slots.push(fresh), () => undefined);
    }
  };
  /** One request to the least busy worker. */
  const send = <T>(message: Record<string, unknown>, reviveResult: (value: never) => T): Promise<T> => {
    const slot = slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best), slots[0]!);
    if (!slot) return Promise.reject(temporary('openpgp-worker-failed', 'no OpenPGP worker is running'));
    const id = nextId++;
    const result = new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, revive: reviveResult });
      slot.worker.postMessage({ id, ...message });
    });
    inFlight.add(result);
    void result.finally(() => inFlight.delete(result)).catch(() => undefined);
    return result;
  };
  return {
    open: (raw, from, receivedAt) => send({ raw, from, receivedAt: receivedAt.getTime() }, (r: OpenedPayload) => revive(r)),
    compose: (plan) => send({ op: 'compose', plan }, (mail: OutgoingMail) => ({ ...mail, raw: Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength) })),
    /** Lets in-flight messages finish, then ends the workers. */
    async close() {
      closing = true;
      await Promise.allSettled(inFlight);
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/** Buffers come back from a worker as Uint8Arrays (structured clone). */
function revive(result: OpenedPayload): OpenedPayload {
  const buffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const attachments = (list: ExtractedAttachment[]) => list.map((a) => ({ ...a, content: buffer(a.content) }));
  const body = (b: ReportBody | null) => (b ? { ...b, attachments: attachments(b.attachments) } : null);
  return {
    ...result,
    payloadBody: body(result.payloadBody),
    extraAttachments: attachments(result.extraAttachments),
    decrypted: result.decrypted ? buffer(result.decrypted) : null,
  };
}

/** The compiled worker beside this file; from the TypeScript sources (tests), the build's. */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'unwrap-worker.js');
  if (existsSync(sibling)) return sibling;
  return path.resolve(path.dirname(here), '../../dist/src/openpgp/unwrap-worker.js');
}
