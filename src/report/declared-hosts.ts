import type { FormFields } from '../model/message-record.js';
import type { DeclaredHosts } from './indicators/collect-indicators.js';
import type { HostAnswer } from './indicators/host-answer.js';

/** The hosts a form or machine format declared: affected_hosts[] and attack_sources[]. */
export function declaredHosts(fields: FormFields): DeclaredHosts {
  return { affected: hostsOf(fields.affected_hosts), sources: hostsOf(fields.attack_sources) };
}

function hostsOf(group: FormFields[string] | undefined): HostAnswer[] {
  if (!Array.isArray(group)) return [];
  return group.map((element) => {
    const hostname = leafValue(element.hostname);
    const ips = leafValue(element.ips);
    return {
      hostname: typeof hostname === 'string' && hostname !== '' ? hostname.toLowerCase() : null,
      addresses: Array.isArray(ips) ? ips.filter((a): a is string => typeof a === 'string') : [],
    };
  });
}

function leafValue(node: FormFields[string] | undefined): unknown {
  return node && !Array.isArray(node) && 'raw' in node ? node.value : undefined;
}
