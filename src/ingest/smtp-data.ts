import type { SMTPServerDataStream } from 'smtp-server';

/**
 * Reads one DATA stream into memory, enforcing the size limit on the bytes actually
 * sent (smtp-server checks only the declared `SIZE=`; its README: "the actual transfer
 * size is not enforced by the server itself"). Once `stream.sizeExceeded` is set nothing
 * more is kept — the rest is read and discarded so the session can answer `552` — and
 * nothing is ever written for that message.
 */
export type ReceivedData =
  | { kind: 'complete'; raw: Buffer }
  | { kind: 'too-large'; bytes: number }
  /** The client went away, or DATA took longer than allowed: there is no message. */
  | { kind: 'aborted'; reason: 'disconnected' | 'timeout' };

export function receiveData(stream: SMTPServerDataStream, timeoutMs: number, onTimeout: () => void): Promise<ReceivedData> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let settled = false;
    const settle = (result: ReceivedData): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      chunks = [];
      resolve(result);
    };
    // A sender that trickles one byte at a time resets the socket's idle timeout with every
    // byte; only a deadline for the whole DATA phase bounds it.
    const timer = setTimeout(() => {
      settle({ kind: 'aborted', reason: 'timeout' });
      onTimeout();
    }, timeoutMs);
    timer.unref();

    stream.on('data', (chunk: Buffer) => {
      if (settled || stream.sizeExceeded) {
        chunks = [];
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (stream.sizeExceeded) settle({ kind: 'too-large', bytes: stream.byteLength });
      else settle({ kind: 'complete', raw: Buffer.concat(chunks) });
    });
    // smtp-server destroys the stream (with an error when someone listens) when the
    // connection closes before the final dot: a truncated message is never accepted.
    stream.on('error', () => settle({ kind: 'aborted', reason: 'disconnected' }));
    stream.on('close', () => settle({ kind: 'aborted', reason: 'disconnected' }));
  });
}
