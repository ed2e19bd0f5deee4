import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { LogFile } from './log-file.js';

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
  /** Lines are on disk when a log call returns; kept for callers that flush before exit. */
  flush(): void;
  /** Opens `log.file` anew (SIGHUP after logrotate moved it). */
  reopen(): void;
  /** Closes the log file (a one-shot command at its end). */
  close(): void;
}

export interface LoggerOptions {
  /** Where a failing log file is reported (default process.stderr). */
  stderr?: { write(text: string): unknown };
}

/**
 * JSON lines to the console stream and to `log.file`. `intake ingest` passes stderr as
 * console stream because its stdout carries the per-message result lines. The file never
 * stops the caller: see LogFile.
 */
export function createLogger(
  config: Pick<Config, 'log'>,
  console: NodeJS.WritableStream = process.stdout,
  options: LoggerOptions = {},
): LoggerHandle {
  const streams: pino.StreamEntry[] = [{ level: config.log.level, stream: console }];
  const file = config.log.file ? new LogFile(config.log.file, { stderr: options.stderr ?? process.stderr }) : null;
  if (file) streams.push({ level: config.log.level, stream: file });
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
      file?.flushSync();
    },
    reopen() {
      file?.reopen();
    },
    close() {
      file?.close();
    },
  };
}

/** A logger for tests and library callers that want no output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
