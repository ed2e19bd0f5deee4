import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { configPathFrom } from '../config/config-path.js';
import { readConfig } from '../config/read-config.js';
import type { Config } from '../config/schema.js';
import { createLogger, type LoggerHandle } from '../log/create-logger.js';
import { privateCacheDir } from './compile-cache.js';

/** The process edge a command sees; tests pass their own streams and environment. */
export interface CliIo {
  stdin: Readable;
  /**
   * The process's own standard input as a file descriptor (main.ts): `intake ingest -`
   * reads it with fs, without building process.stdin's stream (~10 ms of a pipe delivery).
   */
  stdinFd?: number;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  config?: string;
}

export async function loadConfigFor(options: GlobalOptions, io: CliIo): Promise<Config> {
  return (await loadConfigFileFor(options, io)).config;
}

/** The configuration and the file it came from (for the start-up line). */
export function loadConfigFileFor(options: GlobalOptions, io: CliIo): Promise<{ file: string; config: Config }> {
  const dir = privateCacheDir();
  return readConfig(configPathFrom(options.config, io.env), io.cwd, dir && path.join(dir, 'config'));
}

/** Logger for a command: JSON lines to `consoleStream` (stderr when stdout is output). */
export function loggerFor(config: Config, consoleStream: NodeJS.WritableStream, stderr?: Writable): LoggerHandle {
  return createLogger(config, consoleStream, stderr ? { stderr } : {});
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

export { ConfigError };
