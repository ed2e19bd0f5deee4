import type { HostIndicators, Indicators } from '../../model/message-record.js';
import type { FoundIndicators } from './find-indicators.js';
import type { HostAnswer } from './host-answer.js';

/** Hosts named in form or machine-format fields, by role. */
export interface DeclaredHosts {
  affected: HostAnswer[];
  sources: HostAnswer[];
}

/**
 * The message's indicators: declared hosts stay apart from what was only found in free
 * text and logs (candidates), and the flat lists hold both. Every list is capped at
 * `max` entries; `truncated` says when a cap was hit.
 */
export function collectIndicators(declared: DeclaredHosts, found: FoundIndicators, max: number): { indicators: Indicators; truncated: boolean } {
  let truncated = false;
  const cap = (values: Iterable<string>): string[] => {
    const list = [...new Set(values)];
    if (list.length > max) truncated = true;
    return list.slice(0, max);
  };
  const affected = hostIndicators(declared.affected, cap);
  const sources = hostIndicators(declared.sources, cap);
  const known = (pick: (h: HostIndicators) => string[]) => new Set([...pick(affected), ...pick(sources)]);
  const declaredIps = known((h) => h.ips);
  const declaredCidrs = known((h) => h.cidrs);
  const declaredDomains = known((h) => h.domains);
  const indicators: Indicators = {
    ips: cap([...declaredIps, ...found.ips]),
    domains: cap([...declaredDomains, ...found.domains]),
    cves: cap(found.cves),
    cidrs: cap([...declaredCidrs, ...found.cidrs]),
    urls: cap(found.urls),
    hashes: {
      md5: cap(found.hashes.md5),
      sha1: cap(found.hashes.sha1),
      sha256: cap(found.hashes.sha256),
      sha512: cap(found.hashes.sha512),
    },
    declared: { affected, sources },
    candidates: {
      ips: cap(found.ips.filter((ip) => !declaredIps.has(ip))),
      cidrs: cap(found.cidrs.filter((c) => !declaredCidrs.has(c))),
      domains: cap(found.domains.filter((d) => !declaredDomains.has(d))),
    },
  };
  return { indicators, truncated };
}

function hostIndicators(hosts: HostAnswer[], cap: (values: Iterable<string>) => string[]): HostIndicators {
  const addresses = hosts.flatMap((h) => h.addresses);
  return {
    ips: cap(addresses.filter((a) => !a.includes('/'))),
    cidrs: cap(addresses.filter((a) => a.includes('/'))),
    domains: cap(hosts.flatMap((h) => (h.hostname && h.hostname.includes('.') ? [h.hostname] : []))),
  };
}
