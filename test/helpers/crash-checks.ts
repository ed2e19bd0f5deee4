import { expect } from 'vitest';
import { scanStore } from './archive-scan.js';
import type { Sink } from './smtp-sink.js';

/**
 * What every crash test asserts at the end (issue 10): each message answered 250 is
 * stored exactly once, ticket ids are unique, nothing is left pending, and each ack was
 * delivered to the loopback relay — once. The one window SMTP cannot close (RFC 1047: the
 * relay said 250 and the process died before the delivery was recorded) can send one
 * ack a second time per killed sender; `killedSenders` says how many such kills there
 * were, and the duplicates found are returned so the test can report them.
 */
export function crashMessage(token: string, sender = 'reporter@example.org'): string {
  return [
    `From: Reporter <${sender}>`,
    'To: cert@xyz.example',
    `Subject: Incident report ${token}`,
    `Message-ID: <${token}@example.org>`,
    '',
    `Host 192.0.2.${token.length % 250} scanned us; reference ${token}.`,
    'x'.repeat(900),
    '',
  ].join('\r\n');
}

export async function expectStoredOnce(where: string, expected: { accepted: string[]; total: number }, sink: Sink | null, killedSenders = 0): Promise<{ duplicateAcks: number }> {
  const scan = await scanStore(where);
  const byId = new Map<string, number>();
  for (const m of scan.messages) byId.set(String(m.record.headers.messageId), (byId.get(String(m.record.headers.messageId)) ?? 0) + 1);
  for (const token of expected.accepted) expect(byId.get(`<${token}@example.org>`), `${token} got 250`).toBe(1);
  expect(scan.messages).toHaveLength(expected.total);
  expect(byId.size).toBe(expected.total);
  expect(new Set(scan.messages.map((m) => m.ticket)).size).toBe(expected.total);
  expect(scan.pendingReceipts).toBe(0);
  if (!sink) return { duplicateAcks: 0 };
  // Every stored message was answered once; the relay saw each ack's Message-ID once.
  expect(scan.outbox).toEqual([]);
  expect(scan.sent).toHaveLength(expected.total);
  const delivered = new Map<string, number>();
  for (const m of sink.messages) {
    const id = /^Message-ID: <([^>]+)>/im.exec(m.raw.toString('latin1'))?.[1] ?? '';
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
  }
  for (const sent of scan.sent) expect(delivered.get(sent.messageId) ?? 0, `ack ${sent.key} delivered`).toBeGreaterThanOrEqual(1);
  const duplicateAcks = [...delivered.values()].reduce((n, c) => n + (c - 1), 0);
  expect(duplicateAcks, 'acks delivered twice (only the RFC 1047 window of a killed sender may)').toBeLessThanOrEqual(killedSenders);
  expect(delivered.size).toBe(expected.total);
  return { duplicateAcks };
}
