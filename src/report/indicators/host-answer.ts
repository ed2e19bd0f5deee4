import { isHostName } from './domains.js';
import { findAddresses } from './ip-addresses.js';
import { refang } from './refang.js';
import { trimEndChars } from '../../model/linear-text.js';

/** A "hostname and IP" answer (CERT/CC v5 item 7) split into its name and addresses. */
export interface HostAnswer {
  hostname: string | null;
  /** IP addresses and CIDR networks, as found. */
  addresses: string[];
}

export function parseHostAnswer(raw: string): HostAnswer {
  const text = refang(raw);
  const { ips, cidrs } = findAddresses(text);
  const addresses = [...ips, ...cidrs];
  let hostname: string | null = null;
  for (const token of text.split(/[\s,;/()[\]<>"']+/)) {
    const name = trimEndChars(token, '.:');
    if (name === '' || /^[\d.]+$/.test(name) || name.includes(':')) continue;
    if (isHostName(name) || /^[a-z][a-z0-9-]{0,62}$/i.test(name)) {
      // A lone word is a host name only when the answer names nothing better.
      if (isHostName(name) || hostname === null) hostname = name.toLowerCase();
      if (isHostName(name)) break;
    }
  }
  // "unknown", "n/a" and other words are not host names; a bare word only with an address.
  if (hostname && !hostname.includes('.') && (addresses.length === 0 || NOT_A_HOST.has(hostname))) hostname = null;
  return { hostname, addresses };
}

const NOT_A_HOST = new Set(['unknown', 'none', 'and', 'or', 'ip', 'host', 'hostname', 'address', 'unbekannt', 'und', 'oder', 'na']);
