import { describe, expect, it } from 'vitest';
import { classifyTerm } from '../../src/search/classify-term.js';
import { indexMessage, searchTickets } from '../../src/store/search-index.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { storeEngines } from '../helpers/store-engines.js';
import { emptyIndicators, seedMessage } from '../helpers/store-seed.js';

/**
 * `intake search` on both engines: indicators by range (an address, a CIDR that must not
 * match its neighbour, a domain and its subdomains), identifiers, words of the report
 * text, AND across terms, newest first, and hostile terms that stay data.
 */
const engines = storeEngines();

const find = async (store: SqlStore, ...terms: string[]) =>
  (await searchTickets(store.sql, terms.map((t) => classifyTerm(t, 'XYZ')), 100)).hits.map((h) => h.ticket);

const FPR = 'E4A7D13E9392012E88BA501F0B48262379B53BFC';

async function corpus(store: SqlStore) {
  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  const a = await seedMessage(store, {
    body: 'Our IDS saw lateral movement from 198.51.100.7 in Köln; see CVE-2024-3094.',
    receivedAt: at(1),
    from: 'Alice@Example.org',
    indicators: { ips: ['198.51.100.7'], cves: ['CVE-2024-3094'], domains: ['www.example.org'], urls: ['http://www.example.org/login?x=1'] },
    signers: [{ fingerprint: FPR, keyId: FPR.slice(-16) }],
  });
  const b = await seedMessage(store, { body: 'Host 198.51.100.70 and badexample.org', receivedAt: at(2), from: 'bob@example.net', indicators: { ips: ['198.51.100.70'], domains: ['badexample.org'] } });
  const c = await seedMessage(store, { body: 'the whole 198.51.100.128/25 is scanning', receivedAt: at(3), from: 'carol@example.net', indicators: { cidrs: ['198.51.100.128/25'] } });
  const d = await seedMessage(store, { body: 'neighbour 198.51.101.5', receivedAt: at(4), from: 'dave@example.net', indicators: { ips: ['198.51.101.5'], cidrs: ['198.51.101.0/24'] } });
  const e = await seedMessage(store, { body: 'IPv6 2001:db8::1 and the net 2001:db8:0:1::/64', receivedAt: at(5), from: 'erin@example.net', indicators: { ips: ['2001:db8::1'], cidrs: ['2001:db8:0:1::/64'] } });
  const f = await seedMessage(store, { body: 'A follow-up: lateral movement stopped.', ticket: a.ticket, receivedAt: at(6) });
  return { a, b, c, d, e, f };
}

describe.each(engines)('search index: $name', (engine) => {
  it('finds an address exactly, and the networks that contain it', async () => {
    const { store } = await engine.fresh();
    const { a, c } = await corpus(store);
    expect(await find(store, '198.51.100.7')).toEqual([a.ticket]);
    expect(await find(store, '198.51.100[.]7')).toEqual([a.ticket]);
    expect(await find(store, '198.51.100.200')).toEqual([c.ticket]);
  });

  it('a CIDR finds what lies in it or overlaps it, never the neighbouring network', async () => {
    const { store } = await engine.fresh();
    const { a, b, c, d } = await corpus(store);
    expect(await find(store, '198.51.100.0/24')).toEqual([c.ticket, b.ticket, a.ticket]);
    expect(await find(store, '198.51.101.0/24')).toEqual([d.ticket]);
    expect(await find(store, '198.51.100.0/25')).toEqual([b.ticket, a.ticket]);
    expect(await find(store, '198.51.102.0/24')).toEqual([]);
    expect(await find(store, '198.51.0.0/16')).toEqual([d.ticket, c.ticket, b.ticket, a.ticket]);
  });

  it('IPv6 addresses and networks, without matching the neighbour /64', async () => {
    const { store } = await engine.fresh();
    const { e } = await corpus(store);
    expect(await find(store, '2001:DB8:0:0::1')).toEqual([e.ticket]);
    expect(await find(store, '2001:db8:0:1::dead')).toEqual([e.ticket]);
    expect(await find(store, '2001:db8:0:2::/64')).toEqual([]);
    expect(await find(store, '2001:db8::/32')).toEqual([e.ticket]);
  });

  it('a domain finds itself and its subdomains, not a name that merely ends the same', async () => {
    const { store } = await engine.fresh();
    const { a, b } = await corpus(store);
    expect(await find(store, 'example.org')).toEqual([a.ticket]);
    expect(await find(store, 'WWW.example[.]org')).toEqual([a.ticket]);
    expect(await find(store, 'badexample.org')).toEqual([b.ticket]);
    expect(await find(store, 'sub.www.example.org')).toEqual([]);
  });

  it('URL (by prefix), CVE, e-mail address, fingerprint (grouped or not), key ID and ticket id', async () => {
    const { store } = await engine.fresh();
    const { a, c } = await corpus(store);
    expect(await find(store, 'http://WWW.example.org/login')).toEqual([a.ticket]);
    expect(await find(store, 'hxxp://www.example[.]org/')).toEqual([a.ticket]);
    expect(await find(store, 'http://www.example.org/logout')).toEqual([]);
    expect(await find(store, 'cve-2024-3094')).toEqual([a.ticket]);
    expect(await find(store, 'alice@EXAMPLE.org')).toEqual([a.ticket]);
    expect(await find(store, 'E4A7 D13E 9392 012E 88BA  501F 0B48 2623 79B5 3BFC')).toEqual([a.ticket]);
    expect(await find(store, FPR.slice(-16).toLowerCase())).toEqual([a.ticket]);
    expect(await find(store, c.ticket.toLowerCase())).toEqual([c.ticket]);
  });

  it('words and phrases of the report text, folded for case and diacritics, AND across terms, newest first', async () => {
    const { store } = await engine.fresh();
    const { a, b } = await corpus(store);
    expect(await find(store, 'lateral movement')).toEqual([a.ticket]);
    expect(await find(store, 'movement lateral')).toEqual([]);
    expect(await find(store, 'koln')).toEqual([a.ticket]);
    expect(await find(store, 'KÖLN', 'lateral')).toEqual([a.ticket]);
    expect(await find(store, 'stopped', '198.51.100.7')).toEqual([a.ticket]);
    expect(await find(store, 'stopped', '198.51.100.70')).toEqual([]);
    expect(await find(store, 'host')).toEqual([b.ticket]);
  });

  it('punctuation around words is not syntax: lateral* is the word lateral', async () => {
    const { store } = await engine.fresh();
    const { a } = await corpus(store);
    expect(await find(store, 'lateral*')).toEqual([a.ticket]);
  });

  it('keeps hostile terms as data: SQL and full-text syntax match nothing and break nothing', async () => {
    const { store } = await engine.fresh();
    await corpus(store);
    for (const term of [`') OR 1=1 --`, `" OR "`, 'NEAR(a b)', '*', "'; DROP TABLE ticket; --", '\u0000', 'a:b', '!!!']) {
      await expect(find(store, term), term).resolves.toEqual([]);
    }
    expect((await store.tickets.list()).length).toBe(5);
  });

  it('reindexing a message replaces what it is found by', async () => {
    const { store } = await engine.fresh();
    const { b } = await corpus(store);
    const record = (await store.tickets.messages(b.ticket))[0]!;
    const changed = { ...record, indicators: emptyIndicators({ ips: ['203.0.113.9'] }) };
    await store.sql.write((tx) => indexMessage(tx, store.sql, { sha256: b.sha256, ticket: b.ticket, seq: 1, record: changed, text: 'now quite different' }));
    expect(await find(store, '198.51.100.70')).toEqual([]);
    expect(await find(store, '203.0.113.9')).toEqual([b.ticket]);
    expect(await find(store, 'different')).toEqual([b.ticket]);
    expect(await find(store, 'badexample')).toEqual([]);
  });
});
