import { describe, expect, it } from 'vitest';
import { checkHealth, type HealthSources } from '../../src/monitor/health.js';
import type { ComponentHealth } from '../../src/model/component.js';

const now = new Date('2026-11-23T10:00:00Z');
function sources(overrides: Partial<HealthSources> & { parts?: Array<{ name: string; health: ComponentHealth }> } = {}): HealthSources {
  return {
    store: async () => undefined,
    teamKey: () => ({ fingerprint: 'A'.repeat(40), expires: new Date('2028-01-01T00:00:00Z') }),
    components: () => overrides.parts ?? [{ name: 'smtp', health: { kind: 'listener', up: true, address: '127.0.0.1:2525' } }],
    now: () => now,
    ...overrides,
  };
}

describe('what makes GET /healthz answer 503', () => {
  it('nothing wrong: ok', async () => {
    expect(await checkHealth(sources())).toMatchObject({ status: 'ok', reasons: [] });
  });

  it('a listener that is down, a store that throws or hangs, an expired or missing team key: each named', async () => {
    const down = await checkHealth(sources({ parts: [{ name: 'lmtp', health: { kind: 'listener', up: false, address: null, detail: 'not listening' } }] }));
    expect(down).toMatchObject({ status: 'unavailable', reasons: ['lmtp: not listening'] });
    const store = await checkHealth(sources({ store: async () => Promise.reject(new Error('SQLITE_BUSY: database is locked')) }));
    expect(store.reasons).toEqual(['store: SQLITE_BUSY: database is locked']);
    const expired = await checkHealth(sources({ teamKey: () => ({ fingerprint: 'B'.repeat(40), expires: new Date('2026-11-01T00:00:00Z') }) }));
    expect(expired.reasons).toEqual(['team key: expired on 2026-11-01T00:00:00.000Z']);
    expect((await checkHealth(sources({ teamKey: () => null }))).reasons).toEqual(['team key: not loaded']);
  });

  it('a store that does not answer within 5 s is unhealthy', async () => {
    const hung = await checkHealth(sources({ store: () => new Promise(() => undefined) }));
    expect(hung.reasons).toEqual(['store: no answer within 5 s']);
  }, 20_000);

  it('an IMAP link that is down is shown but does not fail the check (the far side\'s outage)', async () => {
    const report = await checkHealth(sources({ parts: [{ name: 'imap', health: { kind: 'link', up: false, address: 'cert@imap.example:993/INBOX', detail: 'down' } }] }));
    expect(report.status).toBe('ok');
    expect(report.links).toEqual([{ name: 'imap', up: false, address: 'cert@imap.example:993/INBOX', state: 'down' }]);
  });
});
