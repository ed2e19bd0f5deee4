import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface LogSink {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** Every line as written, for "this text never appears in any log line" checks. */
  text(): string;
}

/** A real pino logger whose JSON lines are kept in memory. */
export function logSink(level = 'debug'): LogSink {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level, base: null }, stream);
  return {
    logger,
    get lines() {
      return raw.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}
