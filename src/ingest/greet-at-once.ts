import type { SMTPServer } from 'smtp-server';

interface ConnectionInternals {
  name: string;
  init(): void;
  connectionReady(): void;
  _setListeners(ready: () => void): void;
  send(code: number, text: string, context?: unknown): void;
}

/**
 * smtp-server holds every greeting back for 100 ms to catch "early talkers" (spam
 * software that speaks before the banner). That guards SMTP on the open Internet; on the
 * LMTP listener, whose clients are our own MTA and `intake ingest`, it would be most of
 * the time a hand-off takes, and smtp-server 3.21 has no option for it. So the LMTP
 * servers set up each connection with the same steps as smtp-server's `init()` minus
 * the timer: socket listeners, the maxClients check, then `connectionReady()` at once.
 * Should smtp-server's internals ever differ, the connection is left as it is (it only
 * greets 100 ms later).
 */
export function greetAtOnce(server: SMTPServer): void {
  const connections = server.connections as unknown as Set<ConnectionInternals>;
  const add = connections.add.bind(connections);
  connections.add = (connection: ConnectionInternals) => {
    if (typeof connection._setListeners === 'function' && typeof connection.connectionReady === 'function') {
      connection.init = () =>
        connection._setListeners(() => {
          const { maxClients } = server.options;
          if (maxClients && connections.size > maxClients) return connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
          connection.connectionReady();
        });
    }
    return add(connection);
  };
}
