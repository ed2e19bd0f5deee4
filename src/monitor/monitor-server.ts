import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import type { Component, ComponentHealth } from '../model/component.js';
import { checkHealth, type HealthSources } from './health.js';
import type { IntakeMetrics } from './metrics.js';

export interface MonitorServerDeps {
  config: Pick<Config, 'metrics'>;
  metrics: IntakeMetrics;
  health: HealthSources;
  logger: Logger;
}

/**
 * `metrics.host:metrics.port` of `intake serve`: `GET /metrics` (Prometheus text) and
 * `GET /healthz` (JSON; 200 healthy, 503 with the reasons). Nothing else, no request
 * bodies, short timeouts; no authentication, so it listens on loopback by default (put a
 * reverse proxy or a firewall in front of any other address).
 */
export class MonitorServer implements Component {
  readonly name = 'metrics';
  private readonly deps: MonitorServerDeps;
  private server: http.Server | null = null;

  constructor(deps: MonitorServerDeps) {
    this.deps = deps;
  }

  address(): { host: string; port: number } | null {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? { host: bound.address, port: bound.port } : null;
  }

  health(): ComponentHealth {
    const bound = this.address();
    const up = Boolean(bound) && this.server!.listening;
    return { kind: 'listener', up, address: bound ? `${bound.host}:${bound.port}` : null };
  }

  async start(): Promise<void> {
    const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (request, response) => {
      void this.answer(request, response).catch((error: Error) => {
        this.deps.logger.warn({ err: escapeForLog(error.message, 200) }, 'metrics request failed');
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    const { host, port } = this.deps.config.metrics;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.deps.logger.info({ ...this.address() }, 'metrics listener started');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.server = null;
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      const { contentType, body } = await this.deps.metrics.scrape();
      this.send(request, response, 200, contentType, body);
    } else if (path === '/healthz') {
      const report = await checkHealth(this.deps.health);
      this.send(request, response, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
    } else {
      this.send(request, response, 404, 'text/plain; charset=utf-8', 'not found: GET /metrics or /healthz\n');
    }
  }

  private send(request: http.IncomingMessage, response: http.ServerResponse, status: number, contentType: string, body: string): void {
    response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}
