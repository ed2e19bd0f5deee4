import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gpgHome, run } from './openpgp-tools.js';

/**
 * Team keys made by GnuPG, as an operator might bring them: the kinds the daemon must
 * refuse (DSA/ElGamal, revoked, expired, no signing-capable key) and a sound one.
 * Returns the armored secret key (no passphrase unless `passphrase` is given).
 */
export type GpgTeamKeyKind = 'good' | 'dsa' | 'revoked' | 'expired' | 'cannot-sign' | 'expires-soon';

const UID = 'XYZ-CERT <cert@xyz.example>';

export async function gpgTeamKey(kind: GpgTeamKeyKind, passphrase = ''): Promise<string> {
  const home = await gpgHome();
  // GnuPG calibrates the S2K count to ~100 ms of its C code, which openpgp.js needs seconds
  // for; the smallest count GnuPG allows keeps the tests quick (protection as such is the same).
  if (passphrase) await writeFile(path.join(home, 'gpg-agent.conf'), 's2k-count 65536\n');
  const gpg = async (args: string[], input?: string): Promise<string> => {
    const result = await run('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], input);
    if (result.code !== 0) throw new Error(`gpg ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.toString();
  };
  try {
    // Expired: made in 2020 with a one-year lifetime (GnuPG's clock moved back for the creation).
    const past = kind === 'expired' ? ['--faked-system-time', '20200101T000000'] : [];
    const [primary, usage, expiry] =
      kind === 'dsa' ? ['dsa2048', 'sign', 'never'] : kind === 'cannot-sign' ? ['ed25519', 'cert', 'never'] : kind === 'expired' ? ['ed25519', 'sign', '1y'] : kind === 'expires-soon' ? ['ed25519', 'sign', '10d'] : ['ed25519', 'sign', '2y'];
    await gpg([...past, '--quick-gen-key', UID, primary, usage, expiry]);
    const fingerprint = (await gpg(['--list-keys', '--with-colons', UID])).split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
    await gpg([...past, '--quick-add-key', fingerprint, kind === 'dsa' ? 'elg2048' : 'cv25519', 'encr', expiry]);
    if (kind === 'revoked') {
      // GnuPG stores a revocation certificate at generation, its armor line escaped with ':'.
      const certificate = (await readFile(path.join(home, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8')).replace(/^:-----/m, '-----');
      await gpg(['--import'], certificate);
    }
    return await gpg(['--export-secret-keys', '--armor', fingerprint]);
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
  }
}
