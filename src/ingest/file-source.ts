import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { firstHeader, readHeaders } from '../model/raw-headers.js';
import { fileTransport, type TransportInfo } from '../model/transport.js';

/**
 * `intake ingest`: raw RFC 5322 messages from files or stdin, as an MTA's pipe delivery
 * hands them over (like rt-mailgate). The MTA passes the envelope with --sender and
 * --recipient; without --sender the topmost Return-Path (added at final delivery) is
 * the envelope sender.
 */
export interface FileEnvelope {
  sender?: string;
  recipients: string[];
}

/**
 * Standard input: its stream, built only when needed, and — for the process's own stdin
 * — its file descriptor, read directly (readDescriptor).
 */
export interface StdinSource {
  fd?: number;
  stream: () => Readable;
}

export async function readInput(source: string, stdin: StdinSource): Promise<Buffer> {
  if (source !== '-') return readFile(source);
  return stdin.fd === undefined ? readStream(stdin.stream(), []) : readDescriptor(stdin.fd, stdin.stream);
}

async function readStream(stdin: Readable, chunks: Buffer[]): Promise<Buffer> {
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const { read } = process.getBuiltinModule('node:fs');
const CHUNK = 64 * 1024;

/**
 * Reads a descriptor to its end with fs.read (a pipe from the MTA, a file, a terminal).
 * A non-blocking pipe answers EAGAIN when it is momentarily empty; fs cannot wait for
 * it, so the rest is read through the stream, which waits on the event loop: what was
 * read already is kept (a pipe has no position to lose), nothing is read twice.
 */
async function readDescriptor(fd: number, stream: () => Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let bytes: number;
    try {
      bytes = await new Promise<number>((resolve, reject) => read(fd, buffer, 0, CHUNK, null, (error, n) => (error ? reject(error) : resolve(n))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      return readStream(stream(), chunks);
    }
    if (bytes === 0) return Buffer.concat(chunks);
    chunks.push(buffer.subarray(0, bytes));
  }
}

export function transportForFile(raw: Buffer, envelope: FileEnvelope): TransportInfo {
  const sender = envelope.sender !== undefined ? stripAngles(envelope.sender) : returnPath(raw);
  return fileTransport(sender, envelope.recipients);
}

/** `<a@b>` → `a@b`, `<>` → '' (null sender), anything else unparseable → null. */
export function returnPath(raw: Buffer): string | null {
  const value = firstHeader(readHeaders(raw), 'return-path');
  if (value === null) return null;
  const match = /^<([^<>\s]*)>$/.exec(value.trim());
  return match ? (match[1] ?? '') : null;
}

export function stripAngles(value: string): string {
  return value.trim().replace(/^<(.*)>$/, '$1');
}
