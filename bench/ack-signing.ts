import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import YAML from 'yaml';
import { loadAckTemplates } from '../src/compose/ack-template.js';
import { parseConfig } from '../src/config/load-config.js';
import { createKeyring } from '../src/keys/keyring.js';
import { generateTeamKey, readTeamKey, type TeamKeyAlgorithm } from '../src/keys/team-key.js';
import { initialDraft, type Draft } from '../src/model/draft.js';
import { readHeaders } from '../src/model/raw-headers.js';
import { fileTransport } from '../src/model/transport.js';
import type { StageContext } from '../src/pipeline/stage.js';
import { composeAck } from '../src/pipeline/stages/compose-ack.js';
import { report, round } from './bench-lib.js';
import { inlineSandbox } from '../src/sandbox/inline-sandbox.js';
import { pgpContextFor } from '../src/openpgp/pgp-context.js';
import { outerLimits } from '../src/pipeline/stages/parse-mime.js';
import { loadReportKnowledge } from '../src/report/knowledge.js';

/**
 * Issue 4 figure: acknowledgements composed per second (template, PGP/MIME signature,
 * and for a sender with a curated key the encryption on top) with a Cv25519 and an
 * RSA-3072 team key. Only compose-ack runs — CPU-only, one at a time — so the figure is
 * the signing cost a burst adds to the pipeline.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 200);
const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-acks-'));
const config = parseConfig(
  path.join(dir, 'bench.yaml'),
  YAML.stringify({ team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example' } }),
  dir,
);
const templates = await loadAckTemplates(config);
const knowledge = await loadReportKnowledge(config);
const reporter = await openpgp.generateKey({
  type: 'ecc',
  curve: 'curve25519Legacy',
  userIDs: [{ email: 'reporter@example.org' }],
  date: new Date(Date.now() - 60_000),
  format: 'object',
});

async function teamKey(algorithm: TeamKeyAlgorithm) {
  const { armoredPrivate } = await generateTeamKey({ name: 'XYZ-CERT', email: 'cert@xyz.example', passphrase: null, algorithm, date: new Date(Date.now() - 60_000) });
  const file = path.join(dir, `${algorithm}.asc`);
  await writeFile(file, armoredPrivate);
  return readTeamKey(file, null);
}

function draftFor(n: number, sender: string): Draft {
  const raw = Buffer.from(`From: ${sender}\r\nSubject: report ${n}\r\nMessage-ID: <b${n}@example.org>\r\n\r\nbody\r\n`);
  const draft = initialDraft({ receiptId: 'x', raw, sha256: n.toString(16).padStart(64, '0'), receivedAt: new Date(), transport: fileTransport(sender, []) });
  const ticket = `XYZ-2026-${String(n + 1).padStart(5, '0')}`;
  return {
    ...draft,
    outerHeaders: readHeaders(raw),
    placement: { ticket, seq: 1, status: 'new' },
    ack: { ...draft.ack, suppressedReason: null },
  };
}

async function perSecond(algorithm: TeamKeyAlgorithm, sender: string): Promise<number> {
  const keys = { team: await teamKey(algorithm), keyring: createKeyring([reporter.publicKey]) };
  const ctx: StageContext = {
    config,
    now: () => new Date(),
    keys,
    lookups: { ticketExists: async () => false, ticketByMessageId: async () => null, correspondents: async () => [], reporter: async () => null, firstCiphertext: async () => null },
    templates,
    // compose-ack signs in the sandbox (its compose task); inline here, so only the signing is timed.
    sandbox: inlineSandbox(() => ({ pgp: pgpContextFor({ config, keys }), report: knowledge, outer: outerLimits(config) })),
  };
  await composeAck(draftFor(0, sender), ctx); // warm-up
  const started = performance.now();
  for (let n = 0; n < COUNT; n++) {
    const out = await composeAck(draftFor(n, sender), ctx);
    if (out.outgoing.length !== 1) throw new Error(`no ack composed: ${JSON.stringify(out.ack).slice(0, 300)}`);
  }
  return round(COUNT / ((performance.now() - started) / 1000));
}

const figures = {
  cv25519Signed: await perSecond('curve25519', 'other@example.org'),
  cv25519SignedEncrypted: await perSecond('curve25519', 'reporter@example.org'),
  rsa3072Signed: await perSecond('rsa3072', 'other@example.org'),
  rsa3072SignedEncrypted: await perSecond('rsa3072', 'reporter@example.org'),
};
await rm(dir, { recursive: true, force: true });
report({
  section: 'ack-signing',
  acks: COUNT,
  acksPerSecond: figures,
  rsa3072VsCv25519Signed: round(figures.rsa3072Signed / figures.cv25519Signed, 2),
});
