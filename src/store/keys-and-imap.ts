import type { SqlEngine } from './sql.js';
import type { ImapState, PendingKeyStore, PendingKeyView } from './store.js';

/**
 * Keys seen in mail, awaiting an operator (`intake keys pending|accept`): every distinct
 * armored copy is kept (they are merged when read, with openpgp.js, outside any
 * transaction), with where each was seen. A decided key is no longer pending.
 */
export function pendingKeyStore(engine: SqlEngine): PendingKeyStore {
  const view = async (fingerprint: string): Promise<PendingKeyView | null> =>
    engine.read(async (tx) => {
      const copies = await tx.all<{ armored: string; first_seen: string }>('SELECT armored, first_seen FROM pending_key WHERE fingerprint = ? ORDER BY first_seen, digest', [fingerprint]);
      if (copies.length === 0) return null;
      const sightings = await tx.all<{ source: string; ticket: string; seq: number; from_address: string | null; seen_at: string }>(
        'SELECT source, ticket, seq, from_address, seen_at FROM pending_key_sighting WHERE fingerprint = ? ORDER BY seen_at, ticket, seq LIMIT 50',
        [fingerprint],
      );
      return {
        fingerprint,
        firstSeen: copies[0]!.first_seen,
        armored: copies.map((c) => c.armored),
        sightings: sightings.map((s) => ({ source: s.source, ticket: s.ticket, seq: Number(s.seq), from: s.from_address, seenAt: s.seen_at })),
      };
    });
  return {
    async list() {
      const fingerprints = await engine.read((tx) =>
        tx.all<{ fingerprint: string }>(
          'SELECT DISTINCT fingerprint FROM pending_key WHERE fingerprint NOT IN (SELECT fingerprint FROM pending_key_decision) ORDER BY fingerprint',
        ),
      );
      const views: PendingKeyView[] = [];
      for (const { fingerprint } of fingerprints) {
        const v = await view(fingerprint);
        if (v) views.push(v);
      }
      return views;
    },
    async get(fingerprint) {
      const decided = await engine.read((tx) => tx.get('SELECT 1 AS x FROM pending_key_decision WHERE fingerprint = ?', [fingerprint]));
      return decided ? null : view(fingerprint);
    },
    async decide(fingerprint, decision, at) {
      await engine.write((tx) =>
        tx.run(
          'INSERT INTO pending_key_decision (fingerprint, decision, decided_at) VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at',
          [fingerprint, decision, at.toISOString()],
        ),
      );
    },
  };
}

/**
 * IMAP: the UIDs of a mailbox whose message is already received but may still sit in
 * the mailbox (the MOVE did not happen), under the mailbox's UIDVALIDITY.
 */
export function imapState(engine: SqlEngine): ImapState {
  return {
    load: (mailbox) =>
      engine.read(async (tx) => {
        const box = await tx.get<{ uid_validity: string }>('SELECT uid_validity FROM imap_mailbox WHERE mailbox = ?', [mailbox]);
        const uids = await tx.all<{ uid: number }>('SELECT uid FROM imap_seen WHERE mailbox = ? ORDER BY uid', [mailbox]);
        return { uidValidity: box?.uid_validity ?? null, uids: uids.map((u) => Number(u.uid)) };
      }),
    setUidValidity: (mailbox, uidValidity) =>
      engine.write(async (tx) => {
        await tx.run('DELETE FROM imap_seen WHERE mailbox = ?', [mailbox]);
        await tx.run(
          'INSERT INTO imap_mailbox (mailbox, uid_validity) VALUES (?, ?) ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity',
          [mailbox, uidValidity],
        );
      }),
    remember: async (mailbox, uid) => {
      await engine.write((tx) => tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?) ON CONFLICT DO NOTHING', [mailbox, uid]));
    },
    retainOnly: async (mailbox, uids) => {
      const keep = new Set(uids);
      await engine.write(async (tx) => {
        for (const row of await tx.all<{ uid: number }>('SELECT uid FROM imap_seen WHERE mailbox = ?', [mailbox])) {
          if (!keep.has(Number(row.uid))) await tx.run('DELETE FROM imap_seen WHERE mailbox = ? AND uid = ?', [mailbox, row.uid]);
        }
      });
    },
  };
}
