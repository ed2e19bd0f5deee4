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

export async function readInput(source: string, stdin: Readable): Promise<Buffer> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return readFile(source);
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
