import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Security floors from docs/research/security.md §3, §4, §8: every installed copy of these
 * packages — including the nodemailer that mailparser pins — must be at least this.
 */
const FLOORS: Record<string, string> = {
  nodemailer: '10.4.1', // GHSA-3q53-mvfw-q9v8: address domain truncated at comments/FWS
  openpgp: '6.3.0', // maxDecompressedMessageSize; CVE-2025-47934 fixed in 6.1.1
  'smtp-server': '3.18.3', // CVE-2026-38728: unbounded command line
  imapflow: '1.6.6', // 1.6.4: command injection through sequence sets; 1.6.5/1.6.6: hardened response parsing
  mailparser: '3.9.3', // GHSA-7gmj-h9xc-mcxc
  // IODEF reader: entity-expansion DoS CVE-2026-26278, CVE-2026-33036 (numeric references),
  // GHSA-jp2q-39xq-3w4g (zero limits); we also refuse DOCTYPEs and set processEntities: false.
  'fast-xml-parser': '5.5.7',
};

const ROOT = path.resolve(import.meta.dirname, '..', 'node_modules');

/** Every installed copy of `name` anywhere in the dependency tree. */
async function installedVersions(name: string, dir = ROOT): Promise<string[]> {
  const versions: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const child = path.join(dir, entry.name);
    if (entry.name === '@types') continue; // type declarations, not the package
    if (entry.name.startsWith('@')) {
      versions.push(...(await installedVersions(name, child)));
      continue;
    }
    if (entry.name === name) {
      versions.push(JSON.parse(await readFile(path.join(child, 'package.json'), 'utf8')).version as string);
    }
    versions.push(...(await installedVersions(name, path.join(child, 'node_modules'))));
  }
  return versions;
}

function atLeast(version: string, floor: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

describe('dependency security floors', () => {
  it.each(Object.entries(FLOORS))('every installed %s is at least %s', async (name, floor) => {
    const versions = await installedVersions(name);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(atLeast(version, floor), `${name}@${version}`).toBe(true);
  });

  it('package.json forces one nodemailer for every dependent (npm overrides)', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(ROOT, '..', 'package.json'), 'utf8'));
    expect(pkg.overrides?.nodemailer).toBe('$nodemailer');
    expect(atLeast(pkg.dependencies.nodemailer.replace(/^[^\d]*/, ''), FLOORS.nodemailer!)).toBe(true);
  });
});
