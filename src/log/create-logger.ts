import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

export type { Logger } from 'pino';

/** Keys that may carry secrets are censored wherever they appear (DESIGN §8). */
const REDACT = [
  'passphrase',
  'password',
  'privateKey',
  '*.passphrase',
  '*.password',
  '*.privateKey',
  '*.*.passphrase',
  '*.*.password',
];

export interface LoggerHandle {
  logger: Logger;
  /** Flushes buffered lines to disk; call before the process exits. */
  flush(): void;
}

/**
 * JSON lines to the console stream and to `log.file`. `intake ingest` passes stderr as
 * console stream because its stdout carries the per-message result lines.
 */
export function createLogger(
  config: Pick<Config, 'log'>,
  console: NodeJS.WritableStream = process.stdout,
): LoggerHandle {
  const streams: pino.StreamEntry[] = [{ level: config.log.level, stream: console }];
  let file: pino.DestinationStream & { flushSync?: () => void } | null = null;
  if (config.log.file) {
    mkdirSync(path.dirname(config.log.file), { recursive: true });
    // Synchronous: a line is in the file when the call returns, so a short-lived
    // `intake ingest` that exits right away never loses its lines (an asynchronous
    // destination may not even have opened the file yet). One write(2) per line is cheap.
    file = pino.destination({ dest: config.log.file, sync: true, mkdir: true });
    streams.push({ level: config.log.level, stream: file });
  }
  const logger = pino(
    {
      level: config.log.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    flush() {
      try {
        file?.flushSync?.();
      } catch {
        // sonic-boom throws when nothing is pending to flush yet; nothing is lost then.
      }
    },
  };
}

/** A logger for tests and library callers that want no output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
