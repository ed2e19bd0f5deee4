import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { importKeys } from '../keys/import-keys.js';
import { keyStatus, type KeyStatus } from '../keys/key-validity.js';
import { loadKeyring, readPublicKeys } from '../keys/keyring.js';
import { assertFingerprint, PendingKeys } from '../keys/pending-keys.js';
import { createTeamKey } from '../keys/create-team-key.js';
import { DEFAULT_KEY_LIFETIME, parseKeyLifetime } from '../keys/key-lifetime.js';
import { teamKeyPassphrase } from '../keys/load-team-key.js';
import { publicKeyFileFor, type TeamKey, type TeamKeyAlgorithm } from '../keys/team-key.js';
import { escapeForLog } from '../log/escape.js';
import { hardenedOpenpgpConfig } from '../openpgp/openpgp-config.js';
import { type CliIo, type GlobalOptions, loadConfigFor, loggerFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withStore } from './with-store.js';

interface JsonOption extends GlobalOptions {
  json?: boolean;
}
interface GenerateOptions extends GlobalOptions {
  algorithm: TeamKeyAlgorithm;
  expires: string;
  ifMissing?: boolean;
}

const RESTART_NOTE = 'keys are read at start-up: send `intake serve` a SIGHUP (or restart it) to use them';

export function registerKeys(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const keys = program.command('keys').description('team key, curated constituent keyring, keys seen in mail');
  keys
    .command('generate')
    .description('generate the team key (pgp.privateKeyFile); passphrase from pgp.passphraseFile or env')
    .option('--algorithm <name>', 'curve25519 (Ed25519 + Cv25519), rsa3072 or rsa4096', 'curve25519')
    .option('--expires <when>', 'lifetime as GnuPG writes it: 2y, 18m, 90d, 4w, YYYY-MM-DD, or never', DEFAULT_KEY_LIFETIME)
    .option('--if-missing', 'do nothing when the key file exists (first start, e.g. npm start); a new key is logged at warn')
    .action(async (_o: unknown, command: Command) => setExit(await generate(command.optsWithGlobals<GenerateOptions>(), io)));
  keys
    .command('import')
    .description('add the public keys of FILE (armored or binary) to pgp.keyringDir')
    .argument('<file>', 'key file')
    .action(async (file: string, _o: unknown, command: Command) => setExit(await importFile(file, command.optsWithGlobals<GlobalOptions>(), io)));
  keys
    .command('list')
    .description('team key and curated keys: fingerprint, user IDs, expiry, usable or why not')
    .option('--json', 'one JSON object per key')
    .action(async (_o: unknown, command: Command) => setExit(await list(command.optsWithGlobals<JsonOption>(), io)));
  keys
    .command('pending')
    .description('keys seen in mail (attachments, Autocrypt), awaiting a decision')
    .option('--json', 'one JSON object per key')
    .action(async (_o: unknown, command: Command) => setExit(await pending(command.optsWithGlobals<JsonOption>(), io)));
  keys
    .command('accept')
    .description('move a pending key into the curated keyring')
    .argument('<fingerprint>', 'full fingerprint, as `intake keys pending` prints it')
    .action(async (fpr: string, _o: unknown, command: Command) => setExit(await accept(fpr, command.optsWithGlobals<GlobalOptions>(), io)));
}

async function generate(options: GenerateOptions, io: CliIo): Promise<number> {
  if (!['curve25519', 'rsa3072', 'rsa4096'].includes(options.algorithm)) {
    writeLine(io.stderr, `intake keys generate: unknown algorithm ${escapeForLog(options.algorithm, 20)}`);
    return EXIT.usage;
  }
  const now = new Date();
  const lifetime = parseKeyLifetime(options.expires, now);
  if (lifetime === null) {
    writeLine(io.stderr, `intake keys generate: --expires ${escapeForLog(options.expires, 40)} is not a lifetime (2y, 18m, 90d, 4w, a future YYYY-MM-DD, or never)`);
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const file = config.pgp.privateKeyFile;
  if (options.ifMissing && (await access(file).then(() => true, () => false))) return EXIT.ok;
  const passphrase = (await teamKeyPassphrase(config, io.env)).value;
  const result = await createTeamKey(config, { passphrase, algorithm: options.algorithm, expiresInSeconds: lifetime, date: now });
  if (!result.created) {
    if (options.ifMissing) return EXIT.ok; // another first start won the race
    writeLine(io.stderr, `intake keys generate: ${file} exists; the team key is never overwritten (move it away first)`);
    return EXIT.failure;
  }
  const { key, publicKeyFile } = result;
  if (options.ifMissing) logGenerated(config, io, key, file, publicKeyFile);
  else {
    writeLine(io.stdout, `team key ${key.fingerprint} written to ${file}${passphrase ? ' (passphrase-protected)' : ''}`);
    writeLine(io.stdout, `expires: ${key.expires ? key.expires.toISOString().slice(0, 10) : 'never'}`);
    writeLine(io.stdout, `public key: ${publicKeyFile} — ${publishHint('it')}`);
    if (!passphrase) writeLine(io.stderr, `warning: ${file} ${NO_PASSPHRASE}`);
  }
  return EXIT.ok;
}

/** RFC 2350 §2.8: the team's public key and where constituents find it. */
const publishHint = (what: string): string =>
  `publish ${what} where constituents look for it (your RFC 2350 document, web site, WKD or a keyserver) with its fingerprint`;
const NO_PASSPHRASE = 'is not protected by a passphrase: set pgp.passphraseFile (or env INTAKE_PGP_PASSPHRASE) before generating to protect it';

/** `--if-missing` runs unattended (npm start): the new key is news an operator must act on, so it is a warn line. */
function logGenerated(config: Config, io: CliIo, key: TeamKey, file: string, publicKeyFile: string): void {
  const log = loggerFor(config, io.stdout);
  const fields = { fingerprint: key.fingerprint, file, publicKeyFile, expires: key.expires?.toISOString() ?? null, passphraseProtected: key.passphraseProtected };
  log.logger.warn(fields, `generated a new team key ${key.fingerprint}: ${publishHint(publicKeyFile)}`);
  if (!key.passphraseProtected) log.logger.warn({ file }, `the team key ${NO_PASSPHRASE}`);
  log.flush();
}

async function importFile(file: string, options: GlobalOptions, io: CliIo): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    writeLine(io.stderr, `intake keys import: cannot open ${file}`);
    return EXIT.noInput;
  }
  const config = await loadConfigFor(options, io);
  let imported;
  try {
    imported = await importKeys(bytes, config.pgp.keyringDir);
  } catch (error) {
    writeLine(io.stderr, `intake keys import: not an OpenPGP key: ${escapeForLog((error as Error).message, 200)}`);
    return EXIT.dataErr;
  }
  const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, false));
  for (const { fingerprint, merged } of imported) {
    const key = keyring.byFingerprint(fingerprint);
    const status = key ? await keyring.status(key, new Date()) : null;
    writeLine(io.stdout, `${merged ? 'updated' : 'imported'} ${fingerprint}${status ? `  ${usability(status, 'constituent')}` : ''}`);
  }
  writeLine(io.stderr, RESTART_NOTE);
  return EXIT.ok;
}

async function list(options: JsonOption, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const now = new Date();
  const statuses: Array<KeyStatus & { role: string; file: string | null }> = [];
  const team = await teamKeyStatus(config, now);
  if (team) statuses.push(team);
  const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, false));
  for (const key of keyring.keys) {
    const fingerprint = key.getFingerprint().toUpperCase();
    statuses.push({ ...(await keyring.status(key, now)), role: 'constituent', file: keyring.fileOf(fingerprint) });
  }
  for (const status of statuses) {
    if (options.json) writeLine(io.stdout, JSON.stringify({ ...status, use: usability(status, status.role) }));
    else writeLine(io.stdout, keyLines(status));
  }
  if (!options.json && statuses.length === 0) writeLine(io.stderr, 'no keys');
  return EXIT.ok;
}

/**
 * The team key as constituents see it: its published public half, or — when only the
 * secret key file is there (an operator who copied in just that) — the public half read
 * from it, which needs no passphrase.
 */
async function teamKeyStatus(config: Config, now: Date) {
  for (const file of [publicKeyFileFor(config.pgp.privateKeyFile), config.pgp.privateKeyFile]) {
    const bytes = await readFile(file).catch(() => null);
    const key = bytes ? (await readPublicKeys(bytes).catch(() => []))[0] : undefined;
    if (key) return { ...(await keyStatus(key, now, hardenedOpenpgpConfig(config, false))), role: 'team', file };
  }
  return null;
}

async function pending(options: JsonOption, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  return withStore(config, io.env, (store) => printPending(new PendingKeys(store.pendingKeys), config, options, io));
}

async function printPending(store: PendingKeys, config: Config, options: JsonOption, io: CliIo): Promise<number> {
  // A key that is already in the curated keyring awaits no decision (it was accepted, or
  // imported, after it was seen in mail).
  const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, false));
  const seen = await store.list();
  const entries = seen.filter((entry) => keyring.byFingerprint(entry.fingerprint) === null);
  const curated = seen.length - entries.length;
  if (!options.json && curated > 0) writeLine(io.stderr, `${curated} key(s) seen in mail are in the curated keyring already (not listed)`);
  const now = new Date();
  for (const entry of entries) {
    const key = await store.readKey(entry.fingerprint);
    const status = key ? await keyStatus(key, now, hardenedOpenpgpConfig(config, false)) : null;
    if (options.json) {
      writeLine(io.stdout, JSON.stringify({ ...entry, status: status ? { ...status, use: usability(status, 'pending') } : null }));
      continue;
    }
    writeLine(io.stdout, status ? keyLines({ ...status, role: 'pending', file: null }) : entry.fingerprint);
    for (const s of entry.sightings.slice(-5)) {
      writeLine(io.stdout, `  seen ${s.seenAt} via ${s.source} in ${s.ticket}/${s.seq} from ${s.from === null ? '-' : escapeForLog(s.from, 80)}`);
    }
  }
  if (!options.json && entries.length === 0) writeLine(io.stderr, 'no pending keys');
  return EXIT.ok;
}

async function accept(rawFingerprint: string, options: GlobalOptions, io: CliIo): Promise<number> {
  const fingerprint = rawFingerprint.replace(/\s+/g, '').toUpperCase();
  try {
    assertFingerprint(fingerprint);
  } catch {
    writeLine(io.stderr, `intake keys accept: not a full fingerprint: ${escapeForLog(rawFingerprint, 80)}`);
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const accepted = await withStore(config, io.env, (store) => new PendingKeys(store.pendingKeys).accept(fingerprint, config.pgp.keyringDir));
  if (!accepted) {
    writeLine(io.stderr, `intake keys accept: no pending key ${fingerprint}`);
    return EXIT.noInput;
  }
  writeLine(io.stdout, `accepted ${fingerprint} into ${config.pgp.keyringDir}`);
  writeLine(io.stderr, RESTART_NOTE);
  return EXIT.ok;
}

/**
 * What the key can do, in the words an operator acts on. A constituent key is used to
 * verify that sender's signatures and to encrypt acknowledgements to them: a sign-only
 * key is fine for the first, so it is "usable for verifying", not "not usable". The team
 * key signs acknowledgements and decrypts reports.
 */
export function usability(status: KeyStatus, role: string): string {
  if (status.problem !== null && status.problem !== 'no-encryption-key') return `not usable: ${status.problem}`;
  if (role === 'team') {
    if (!status.canSign) return 'not usable: cannot sign acknowledgements';
    return status.problem === null ? 'usable' : 'signs acknowledgements; cannot decrypt reports (no encryption key)';
  }
  if (status.problem === null) return status.canSign ? 'usable' : 'receives encrypted acks; cannot verify signatures (no signing key)';
  return status.canSign ? 'usable for verifying; cannot receive encrypted acks (no encryption key)' : 'not usable: no signing or encryption key';
}

/** User IDs are the key holder's text: escaped like any attacker-controlled string. */
function keyLines(status: KeyStatus & { role: string; file: string | null }): string {
  const lines = [
    `${status.role.padEnd(11)} ${status.fingerprint}  ${status.algorithm}  ${usability(status, status.role)}`,
    `            created ${status.created.slice(0, 10)}, expires ${status.expires ? status.expires.slice(0, 10) : 'never'}${status.file ? `, file ${path.basename(status.file)}` : ''}`,
    ...status.userIds.map((uid) => `            uid ${escapeForLog(uid, 120)}`),
  ];
  if (status.userIds.length === 0) lines.push('            (no valid user ID)');
  return lines.join('\n');
}
