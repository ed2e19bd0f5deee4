/**
 * Values crossing a worker-thread boundary (postMessage, structured clone). Two costs
 * to avoid and one type to restore:
 *
 * - A typed array is cloned with its whole backing ArrayBuffer. Node 26 allocates every
 *   Buffer under 32 KiB from a 64 KiB pool (`Buffer.poolSize`), so a 6 KB message
 *   cloned as it is copies 64 KiB and arrives as a view into a private 64 KiB copy that
 *   stays alive as long as the view does. `pack` copies such a view into an ArrayBuffer
 *   of its own and transfers that copy (moved, not cloned); a buffer that already owns
 *   its whole ArrayBuffer is cloned once. Nothing the sender still holds is transferred.
 * - Buffers arrive as Uint8Arrays; `revive` makes them Buffers again (views, no copy).
 */
export interface Packed<T> {
  value: T;
  transfer: ArrayBuffer[];
}

export function pack<T>(value: T): Packed<T> {
  const transfer: ArrayBuffer[] = [];
  return { value: packValue(value, transfer) as T, transfer };
}

function packValue(value: unknown, transfer: ArrayBuffer[]): unknown {
  if (value instanceof Uint8Array) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
    // A view into a larger (pooled) buffer: its own bytes only, moved across.
    const own = new Uint8Array(value);
    transfer.push(own.buffer);
    return own;
  }
  if (Array.isArray(value)) return value.map((v) => packValue(v, transfer));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = packValue(value[key], transfer);
    return out;
  }
  return value;
}

export function revive(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(revive);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = revive(value[key]);
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}
