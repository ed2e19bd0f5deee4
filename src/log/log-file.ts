import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** The log file's mode, whatever the umask: the owner writes, the group (operators) reads. */
export const LOG_FILE_MODE = 0o640;
/** After a failure, the file is opened again at most this often (a write is tried on every line). */
const REOPEN_INTERVAL_MS = 5_000;

export interface LogFileOptions {
  /** Where "cannot write the log file" is said, once per outage. */
  stderr: { write(text: string): unknown };
  now?: () => number;
}

/**
 * The `log.file` destination of pino (DESIGN §8). Writes each line synchronously (an
 * `intake ingest` that exits right away loses nothing) and never throws: a full disk
 * (ENOSPC), an unwritable or vanished directory, or any I/O error only drops lines —
 * mail processing goes on. stderr says so once per outage and once when writing works
 * again, with the number of lines lost; that number is also written into the file.
 * `reopen()` (SIGHUP) opens the path anew, so after logrotate's `mv` lines go to the
 * new file.
 */
export class LogFile {
  private readonly file: string;
  private readonly stderr: LogFileOptions['stderr'];
  private readonly now: () => number;
  private fd: number | null = null;
  private failure: string | null = null;
  private dropped = 0;
  /** A line was cut short by a failed write: the next write starts on a new line. */
  private torn = false;
  private nextOpenAt = 0;

  constructor(file: string, options: LogFileOptions) {
    this.file = file;
    this.stderr = options.stderr;
    this.now = options.now ?? Date.now;
    this.open();
  }

  write(line: string): boolean {
    if (this.fd === null && (this.now() < this.nextOpenAt || !this.open())) {
      this.dropped++;
      return true;
    }
    try {
      this.writeAll(this.torn ? `\n${line}` : line);
      this.torn = false;
      if (this.failure !== null) this.recovered();
    } catch (error) {
      this.failed(error, 'write');
      this.dropped++;
    }
    return true;
  }

  /** Closes the file and opens the configured path again (logrotate moved the old one away). */
  reopen(): void {
    this.closeFd();
    this.nextOpenAt = 0;
    this.open();
  }

  close(): void {
    this.closeFd();
  }

  /** Lines are written when write() returns; nothing is buffered. */
  flushSync(): void {}

  private open(): boolean {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o750 });
      this.fd = openLogFile(this.file);
      return true;
    } catch (error) {
      this.failed(error, 'open');
      return false;
    }
  }

  private writeAll(text: string): void {
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) {
      const written = writeSync(this.fd!, bytes, offset, bytes.length - offset);
      offset += written;
      if (offset < bytes.length) this.torn = true;
    }
  }

  private failed(error: unknown, during: 'open' | 'write'): void {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (during === 'write' && code !== 'ENOSPC' && code !== 'EDQUOT') this.closeFd(); // EBADF, EIO, ESTALE: open again later
    if (this.fd === null) this.nextOpenAt = this.now() + REOPEN_INTERVAL_MS;
    if (this.failure === null) {
      this.stderr.write(`intake: cannot ${during} the log file ${this.file} (${code}); mail processing goes on, log lines are dropped until it can be written again\n`);
    }
    this.failure = code;
  }

  private recovered(): void {
    const lost = this.dropped;
    this.stderr.write(`intake: the log file ${this.file} is writable again; ${lost} line(s) were dropped (${this.failure})\n`);
    this.failure = null;
    this.dropped = 0;
    const note = { level: 40, time: new Date(this.now()).toISOString(), pid: process.pid, droppedLines: lost, msg: 'the log file was not writable; lines were dropped' };
    this.writeAll(`${JSON.stringify(note)}\n`);
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already unusable; nothing more to release
    }
    this.fd = null;
  }
}

/**
 * O_APPEND, created with mode 0640 and then chmod'ed to exactly 0640 (the umask could
 * have narrowed or — with umask 000 and a wider default — widened it). An existing file
 * this process owns keeps no bits beyond 0640 (logs hold sender addresses).
 */
function openLogFile(file: string): number {
  const append = constants.O_WRONLY | constants.O_APPEND;
  try {
    const fd = openSync(file, append | constants.O_CREAT | constants.O_EXCL, LOG_FILE_MODE);
    fchmodSync(fd, LOG_FILE_MODE);
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const fd = openSync(file, append);
  const info = fstatSync(fd);
  if ((info.mode & 0o777 & ~LOG_FILE_MODE) !== 0 && info.uid === process.getuid?.()) fchmodSync(fd, info.mode & LOG_FILE_MODE);
  return fd;
}
