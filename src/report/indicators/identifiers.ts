/** CVE ids (CVE-YYYY-NNNN…) and file hashes (MD5, SHA-1, SHA-256, SHA-512 in hex). */
const CVE = /\bCVE-(\d{4})-(\d{4,7})\b/gi;
// Starts only at the beginning of a token; lengths are checked after the match.
const HEX = /(?<![0-9A-Za-z])[0-9A-Fa-f]{32,128}(?![0-9A-Za-z])/g;

export interface FoundHashes {
  md5: string[];
  sha1: string[];
  sha256: string[];
  sha512: string[];
}

const BY_LENGTH: Record<number, keyof FoundHashes> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export function findCves(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(CVE)) found.add(`CVE-${match[1]}-${match[2]}`);
  return [...found];
}

export function findHashes(text: string): FoundHashes {
  const found = { md5: new Set<string>(), sha1: new Set<string>(), sha256: new Set<string>(), sha512: new Set<string>() };
  for (const match of text.matchAll(HEX)) {
    const kind = BY_LENGTH[match[0].length];
    // A real digest has both letters and digits; runs of one kind are ids, numbers or padding.
    if (!kind || !/[a-f]/i.test(match[0]) || !/\d/.test(match[0])) continue;
    found[kind].add(match[0].toLowerCase());
  }
  return { md5: [...found.md5], sha1: [...found.sha1], sha256: [...found.sha256], sha512: [...found.sha512] };
}
