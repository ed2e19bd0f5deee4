/**
 * Free-text "timezone" answers (`EST`, `GMT-5`, `UTC+1`, `+0100`, `CET/CEST`,
 * `Europe/Vienna`) normalised to the IODEF TIMEZONE form `Z|±hh:mm` (RFC 7970 §2.3)
 * when they name one offset. Ambiguous abbreviations (IST, CST, BST, AST) and zones
 * whose offset depends on the date (CET/CEST, IANA names) get no value, only a note:
 * never silently assume UTC (docs/research/forms.md §7.9).
 */
export interface TimezoneReading {
  value: string | null;
  note: string | null;
}

const FIXED: Record<string, number> = {
  utc: 0, gmt: 0, z: 0, ut: 0, wet: 0, west: 60,
  cet: 60, met: 60, mez: 60, cest: 120, mest: 120, mesz: 120, eet: 120, eest: 180, msk: 180,
  est: -300, edt: -240, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  akst: -540, akdt: -480, hst: -600, nst: -210, ndt: -150,
  jst: 540, kst: 540, hkt: 480, sgt: 480, awst: 480, acst: 570, aest: 600, aedt: 660,
  nzst: 720, nzdt: 780, brt: -180, art: -180, wib: 420, pkt: 300, sast: 120, cat: 120, eat: 180, wat: 60,
};
const AMBIGUOUS: Record<string, string> = {
  ist: 'India, Ireland or Israel',
  cst: 'US Central, China or Cuba',
  bst: 'British Summer Time or Bangladesh',
  ast: 'Atlantic or Arabia',
  ect: 'Ecuador or Eastern Caribbean',
  gst: 'Gulf or South Georgia',
};
const OFFSET = /(?:\b(?:utc|gmt|ut)\s{0,2}|(?<![\w:])(?=[+-]\d))([+-])\s{0,2}(\d{1,2})(?::?([0-5]\d))?(?![\d:])/gi;
const IANA = /\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_]{2,30}(?:\/[A-Za-z_]{2,30})?\b/;

export function readTimezone(raw: string): TimezoneReading {
  const text = raw.slice(0, 400).replace(/\b(?:relative|relativ)\s{1,3}(?:to|zu)\s{1,3}(?:gmt|utc)\b/gi, ' ');
  const notes: string[] = [];
  const offsets = new Set<number>();
  for (const match of text.matchAll(OFFSET)) {
    const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
    if (minutes <= 14 * 60) offsets.add(match[1] === '-' ? -minutes : minutes);
  }
  const dstPair: string[] = [];
  // Words are read from what the numeric offsets leave, so "GMT-5" is not also "GMT".
  for (const word of text.replace(OFFSET, ' ').toLowerCase().match(/\b[a-z]{1,5}\b/g) ?? []) {
    if (word in AMBIGUOUS) notes.push(`ambiguous abbreviation ${word.toUpperCase()} (${AMBIGUOUS[word]})`);
    else if (word in FIXED && !(word === 'z' && text.trim().toLowerCase() !== 'z')) {
      offsets.add(FIXED[word] ?? 0);
      dstPair.push(word.toUpperCase());
    }
  }
  const iana = IANA.exec(text)?.[0];
  if (iana && validZone(iana)) notes.push(`${iana}: the offset depends on the date (daylight saving time)`);
  if (/\bntp\b/i.test(text)) notes.push('clock synchronised with NTP');
  if (offsets.size > 1) {
    notes.push(`several offsets named (${[...offsets].map(formatOffset).join(', ')})${dstPair.length > 1 ? '; daylight saving time dependent' : ''}`);
  }
  const unambiguous = offsets.size === 1 && !notes.some((n) => n.startsWith('ambiguous') || n.includes('depends on the date'));
  return {
    value: unambiguous ? formatOffset([...offsets][0] ?? 0) : null,
    note: notes.length > 0 ? notes.join('; ') : offsets.size === 0 ? 'no recognisable time zone' : null,
  };
}

export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
