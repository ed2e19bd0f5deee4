import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/ingest/file-source.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `intake ingest -` reads its standard input as a descriptor (file-source.ts): a file, a
 * pipe written in pieces, and a non-blocking pipe that is momentarily empty (EAGAIN: the
 * rest comes through the stream) must all give every byte, once, in order.
 */
const message = Buffer.from(`From: a@example.org\r\nSubject: x\r\n\r\n${'line of the report\r\n'.repeat(8000)}`); // ~160 KB: several reads

describe('reading standard input as a descriptor', () => {
  it('a regular file (the shell redirect `< message.eml`)', async () => {
    const file = path.join(await tempDir(), 'm.eml');
    await writeFile(file, message);
    const fd = openSync(file, 'r');
    try {
      const read = await readInput('-', { fd, stream: () => { throw new Error('a file never needs the stream'); } });
      expect(read.equals(message)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('a blocking pipe written in pieces with pauses (an MTA pipe)', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await writeFile(path.join(dir, 'm.eml'), message);
    // Another process writes the message in four pieces, pausing between them, as an MTA may.
    const writer = spawn('sh', ['-c', 'for skip in 0 1 2 3; do dd if=m.eml bs=50000 skip=$skip count=1 2>/dev/null; sleep 0.05; done > pipe'], { cwd: dir });
    const reader = await open(fifo, 'r');
    try {
      const read = await readInput('-', { fd: reader.fd, stream: () => { throw new Error('a blocking pipe never needs the stream'); } });
      expect(read.equals(message)).toBe(true);
    } finally {
      await reader.close();
      writer.kill();
    }
  });

  it('a non-blocking pipe that runs empty mid-message: the rest through the stream, nothing lost or doubled', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await writeFile(path.join(dir, 'm.eml'), message);
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, 'w');
    writeSync(writer, message.subarray(0, 60_000)); // fits the pipe's buffer
    let streamed = false;
    const reading = readInput('-', {
      fd,
      stream: () => {
        streamed = true;
        return new net.Socket({ fd, readable: true, writable: false });
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    // The rest from another process (a synchronous write here would stop the event loop the stream reads on).
    const rest = spawn('sh', ['-c', 'tail -c +60001 m.eml > pipe'], { cwd: dir });
    await new Promise((resolve) => rest.once('exit', resolve));
    closeSync(writer);
    const read = await reading;
    expect(streamed).toBe(true);
    expect(read.length).toBe(message.length);
    expect(read.equals(message)).toBe(true);
  });
});
