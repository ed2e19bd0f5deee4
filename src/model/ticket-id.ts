/**
 * Ticket ids look like `XYZ-2026-00042`. They are made only from the configured prefix
 * and integers, so an id parsed out of a Subject can be re-formatted before it is ever
 * used to find a directory: no path is built from message text.
 */
export interface TicketNumber {
  year: number;
  number: number;
}

export function formatTicketId(prefix: string, { year, number }: TicketNumber): string {
  return `${prefix}-${String(year).padStart(4, '0')}-${String(number).padStart(5, '0')}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses an id of our own prefix (any case); null for anything else. */
export function parseTicketId(prefix: string, text: string): TicketNumber | null {
  const match = new RegExp(`^${escapeRegExp(prefix)}-(\\d{4})-(\\d{5,9})$`, 'i').exec(text);
  if (!match) return null;
  return { year: Number(match[1]), number: Number(match[2]) };
}

/**
 * Finds ticket tags `[XYZ-2026-00042]` anywhere in a Subject (any case, our prefix
 * only), in order of appearance, canonicalised.
 */
export function findTicketTags(prefix: string, subject: string): string[] {
  const pattern = new RegExp(`\\[\\s*(${escapeRegExp(prefix)}-\\d{4}-\\d{5,9})\\s*\\]`, 'gi');
  const ids: string[] = [];
  for (const match of subject.matchAll(pattern)) {
    const parsed = parseTicketId(prefix, match[1] ?? '');
    if (parsed) ids.push(formatTicketId(prefix, parsed));
  }
  return ids;
}

/** A message's sequence number within its ticket, as in `messages/<NNN>/` and outbox keys. */
export function formatSeq(seq: number): string {
  return String(seq).padStart(3, '0');
}
