import type { ComponentHealth } from '../model/component.js';

/** What GET /healthz looks at; the app provides it (app.ts `healthSources`). */
export interface HealthSources {
  /** Resolves when the store answers a read and would take a write; rejects with the reason. */
  store(): Promise<void>;
  teamKey(): { fingerprint: string; expires: Date | null } | null;
  components(): Array<{ name: string; health: ComponentHealth }>;
  now(): Date;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** Why it is unavailable, in words; empty when ok. */
  reasons: string[];
  store: 'ok' | string;
  teamKey: { fingerprint: string; expires: string | null } | null;
  listeners: Array<{ name: string; up: boolean; address: string | null }>;
  links: Array<{ name: string; up: boolean; address: string | null; state: string | null }>;
}

const STORE_TIMEOUT_MS = 5_000;

/**
 * Healthy (200) when the store answers, the team key is loaded and still valid, and every
 * listener is bound; otherwise 503 with the reasons. Links we open (IMAP) are shown but
 * never make the daemon unhealthy: their outage is the far side's, and restarting us
 * would not mend it.
 */
export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const reasons: string[] = [];
  let store: HealthReport['store'] = 'ok';
  try {
    await withTimeout(sources.store(), STORE_TIMEOUT_MS);
  } catch (error) {
    store = (error as Error).message;
    reasons.push(`store: ${store}`);
  }
  const key = sources.teamKey();
  if (!key) reasons.push('team key: not loaded');
  else if (key.expires && key.expires.getTime() <= sources.now().getTime()) reasons.push(`team key: expired on ${key.expires.toISOString()}`);
  const components = sources.components();
  const listeners = components.filter((c) => c.health.kind === 'listener').map((c) => ({ name: c.name, up: c.health.up, address: c.health.address }));
  for (const listener of listeners) if (!listener.up) reasons.push(`${listener.name}: not listening`);
  const links = components
    .filter((c) => c.health.kind === 'link')
    .map((c) => ({ name: c.name, up: c.health.up, address: c.health.address, state: c.health.detail ?? null }));
  return {
    status: reasons.length === 0 ? 'ok' : 'unavailable',
    reasons,
    store,
    teamKey: key ? { fingerprint: key.fingerprint, expires: key.expires?.toISOString() ?? null } : null,
    listeners,
    links,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
