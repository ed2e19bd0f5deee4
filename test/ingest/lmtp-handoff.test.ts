import { describe, expect, it } from 'vitest';
import { dotStuff } from '../../src/ingest/lmtp-client.js';
import { parseHandoffFlags, parseStoredReply, restoreLf, storedReply, wireForm } from '../../src/ingest/lmtp-handoff.js';
import { temporary } from '../../src/model/errors.js';

const b = (text: string) => Buffer.from(text, 'latin1');

describe('hand-off wire form: what DATA can carry byte for byte', () => {
  it('sends LF-only mail as CRLF and restores it exactly, 8-bit bytes included', () => {
    const raw = b('Subject: \xe4\n\n.\n..two\nend\n');
    const wire = wireForm(raw)!;
    expect(wire.lf).toBe(true);
    expect(wire.wire.toString('latin1')).toBe('Subject: \xe4\r\n\r\n.\r\n..two\r\nend\r\n');
    expect(restoreLf(wire.wire).equals(raw)).toBe(true);
  });

  it('sends CRLF mail as it is', () => {
    const raw = b('Subject: x\r\n\r\nbody\r\n');
    expect(wireForm(raw)).toEqual({ wire: raw, lf: false });
  });

  it('has no exact form for mixed endings, a bare CR, a missing last line ending or nothing', () => {
    for (const text of ['a\r\nb\n', 'a\rb\r\n', 'a\nb', 'a\r\nb', '']) expect(wireForm(b(text)), JSON.stringify(text)).toBeNull();
  });

  it('dot-stuffs every line that starts with a dot and ends with the terminator (RFC 5321 §4.5.2)', () => {
    expect(dotStuff(b('.a\r\n.\r\nb\r\n')).toString()).toBe('..a\r\n..\r\nb\r\n.\r\n');
  });
});

describe('hand-off flags and replies', () => {
  it('parses known flags only', () => {
    expect(parseHandoffFlags(true)).toEqual(new Set());
    expect(parseHandoffFlags('lf,no-sender')).toEqual(new Set(['lf', 'no-sender']));
    expect(parseHandoffFlags('lf,evil')).toBeNull();
  });

  it('carries the verdict in the 250 text', () => {
    const text = storedReply({ kind: 'archived', ticket: 'XYZ-2026-00042', seq: 3, status: 'followup' }, 'spool-1');
    expect(parseStoredReply(`2.6.0 ${text}`)).toEqual({ kind: 'archived', ticket: 'XYZ-2026-00042', seq: 3, status: 'followup' });
    expect(parseStoredReply(storedReply({ kind: 'retry', error: temporary('x', 'y') }, 'spool-1'))).toEqual({ kind: 'queued' });
    expect(parseStoredReply('OK: queued as 123')).toBeNull();
  });
});
