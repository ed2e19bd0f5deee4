import { findDomains, normalizeDomain } from './domains.js';
import { findCves, findHashes, type FoundHashes } from './identifiers.js';
import { canonicalIPv6, findAddresses, isIpAddress } from './ip-addresses.js';
import { refang } from './refang.js';
import { findUrls } from './urls.js';

/** Everything one text yields, before declared hosts and candidates are told apart. */
export interface FoundIndicators {
  ips: string[];
  cidrs: string[];
  domains: string[];
  urls: string[];
  cves: string[];
  hashes: FoundHashes;
}

export function findIndicators(text: string): FoundIndicators {
  const clean = refang(text);
  const urls = findUrls(clean);
  const addresses = findAddresses(clean);
  const ips = new Set(addresses.ips);
  const domains = new Set(findDomains(clean));
  for (const url of urls) {
    const host = url.hostname.startsWith('[') ? canonicalIPv6(url.hostname.slice(1, -1)) : url.hostname;
    if (isIpAddress(host)) ips.add(host);
    else {
      const domain = normalizeDomain(host);
      if (domain) domains.add(domain);
    }
  }
  return {
    ips: [...ips],
    cidrs: addresses.cidrs,
    domains: [...domains],
    urls: urls.map((u) => u.href),
    cves: findCves(clean),
    hashes: findHashes(clean),
  };
}

export function emptyFound(): FoundIndicators {
  return { ips: [], cidrs: [], domains: [], urls: [], cves: [], hashes: { md5: [], sha1: [], sha256: [], sha512: [] } };
}

/** Union of several finds, first-seen order kept. */
export function mergeFound(parts: FoundIndicators[]): FoundIndicators {
  const union = (pick: (f: FoundIndicators) => string[]) => [...new Set(parts.flatMap(pick))];
  return {
    ips: union((f) => f.ips),
    cidrs: union((f) => f.cidrs),
    domains: union((f) => f.domains),
    urls: union((f) => f.urls),
    cves: union((f) => f.cves),
    hashes: {
      md5: union((f) => f.hashes.md5),
      sha1: union((f) => f.hashes.sha1),
      sha256: union((f) => f.hashes.sha256),
      sha512: union((f) => f.hashes.sha512),
    },
  };
}
