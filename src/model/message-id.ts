/** `<id@host>` → `id@host`; null for anything that is not a plausible msg-id (RFC 5322 §3.6.4). */
export function normalizeMessageId(value: string): string | null {
  const trimmed = value.trim().replace(/^<|>$/g, '').trim();
  if (trimmed.length === 0 || trimmed.length > 998 || /[\s<>]/.test(trimmed)) return null;
  return trimmed;
}

/** The msg-ids of a Message-ID, In-Reply-To or References field value, in order. */
export function messageIds(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]{1,998})>/g)].map((m) => m[1] ?? '').filter(Boolean);
}
