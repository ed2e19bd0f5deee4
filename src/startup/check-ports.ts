import net from 'node:net';
import type { Config } from '../config/schema.js';
import type { Finding } from './finding.js';

/** TCP addresses `intake serve` would listen on (port 0 lets the system choose: never busy). */
export function listenAddresses(config: Config): Array<{ key: string; host: string; port: number }> {
  const addresses: Array<{ key: string; host: string; port: number }> = [];
  if (config.smtp.enabled && config.smtp.port !== 0) addresses.push({ key: 'smtp', host: config.smtp.host, port: config.smtp.port });
  const { lmtp } = config;
  if (lmtp.enabled && lmtp.host !== null && lmtp.port !== null && lmtp.port !== 0) addresses.push({ key: 'lmtp', host: lmtp.host, port: lmtp.port });
  if (config.metrics.enabled && config.metrics.port !== 0) addresses.push({ key: 'metrics', host: config.metrics.host, port: config.metrics.port });
  return addresses;
}

/**
 * Whether each listening address can be bound now, by binding it and letting go. Only
 * a warning: another process may free the port before the daemon starts (or take it
 * after this check), and the listener's own error then names it.
 */
export async function checkPorts(config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { key, host, port } of listenAddresses(config)) {
    const error = await tryBind(host, port);
    if (!error) continue;
    const why =
      error.code === 'EADDRINUSE'
        ? 'is in use (another intake serve, or another mail server?)'
        : error.code === 'EACCES'
          ? 'needs privileges to bind (ports below 1024: run with CAP_NET_BIND_SERVICE, or use a higher port)'
          : error.code === 'EADDRNOTAVAIL'
            ? `cannot be bound: ${host} is not an address of this machine`
            : `cannot be bound (${error.code ?? error.message})`;
    findings.push({ text: `${key}.port: ${host}:${port} ${why}`, exit: 78 });
  }
  return findings;
}

function tryBind(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
