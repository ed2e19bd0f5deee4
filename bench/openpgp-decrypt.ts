import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { hardenedOpenpgpConfig } from '../src/openpgp/openpgp-config.js';
import { rsaImplicitRejection } from '../src/openpgp/rsa-implicit-rejection.js';
import pino from 'pino';
import { startWorkerPool } from '../src/sandbox/worker-pool.js';
import { peakRssMiB, report, round } from './bench-lib.js';
import { encryptedReport, gpgDecrypt, openReport, reportEntity, stageContext, type Algo } from './openpgp-lib.js';

/**
 * Issue 3 figure: decrypt + verify + parse of 500 encrypted-and-signed 4 KB PGP/MIME
 * reports (parse-mime + unwrap-openpgp, the pipeline's own stages), one thread and one
 * worker per core, against `gpg --decrypt` spawned per message on the same ciphertexts
 * in the same run (one at a time, and one per core). Cv25519 and RSA-3072 team keys.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 500);
const CORES = Math.max(1, Math.min(os.availableParallelism(), 4));

for (const algo of ['cv25519', 'rsa3072'] as const) {
  const corpus = await Promise.all(Array.from({ length: COUNT }, (_, n) => encryptedReport(algo, n, reportEntity(n))));
  const paths = algo === 'rsa3072' ? await rsaPaths(corpus.map((c) => c.armored)) : {};
  const single = await oneThread(algo, corpus.map((c) => c.message));
  const workers = await workerPool(algo, corpus.map((c) => c.message));
  const gpgSerial = await gpgDecrypt(algo, corpus.map((c) => c.armored), 1);
  const gpgParallel = await gpgDecrypt(algo, corpus.map((c) => c.armored), CORES);
  report({
    section: 'openpgp-decrypt',
    algo,
    messages: COUNT,
    node: process.version,
    oursOneThreadPerSecond: round(COUNT / single),
    oursWorkersPerSecond: round(COUNT / workers),
    workers: CORES,
    gpgSerialPerSecond: round(COUNT / gpgSerial),
    gpgParallelPerSecond: round(COUNT / gpgParallel),
    ratioOneThreadVsGpgSerial: round(gpgSerial / single, 2),
    ratioWorkersVsGpgSerial: round(gpgSerial / workers, 2),
    ratioWorkersVsGpgParallel: round(gpgParallel / workers, 2),
    ...paths,
    peakRssMiB: peakRssMiB(),
  });
}

/**
 * RSA: openpgp.decrypt (session key, data, signature) of the same ciphertexts through
 * both of openpgp.js's paths, one thread — the native one (OpenSSL, implicit rejection;
 * what hardenedOpenpgpConfig picks where rsaImplicitRejection() holds) and
 * constantTimePKCS1Decryption (pure-JS RSA, once per supported cipher). gpg per message
 * is in the same row.
 */
async function rsaPaths(armored: string[]): Promise<Record<string, unknown>> {
  const ctx = await stageContext('rsa3072');
  const team = ctx.keys.team.privateKey;
  const verificationKeys = [...ctx.keys.keyring.keys];
  const base = hardenedOpenpgpConfig(ctx.config, true);
  const run = async (constantTimePKCS1Decryption: boolean): Promise<number> => {
    const config = { ...base, constantTimePKCS1Decryption };
    const read = () => Promise.all(armored.map((a) => openpgp.readMessage({ armoredMessage: a, config })));
    // A message can be decrypted once (openpgp.js drops its PKESK data): warm up on a copy.
    await openpgp.decrypt({ message: (await read())[0]!, decryptionKeys: team, verificationKeys, expectSigned: true, config });
    const messages = await read();
    const started = performance.now();
    for (const message of messages) await openpgp.decrypt({ message, decryptionKeys: team, verificationKeys, expectSigned: true, config });
    return armored.length / ((performance.now() - started) / 1000);
  };
  return {
    rsaImplicitRejection: rsaImplicitRejection(),
    libraryNativePerSecond: round(await run(false)),
    libraryConstantTimePerSecond: round(await run(true)),
  };
}

async function oneThread(algo: Algo, messages: Buffer[]): Promise<number> {
  const ctx = await stageContext(algo);
  await openReport(messages[0]!, ctx); // warm-up: key material, JIT
  const started = performance.now();
  for (const raw of messages) check(await openReport(raw, ctx));
  return (performance.now() - started) / 1000;
}

/** The product's sandbox worker pool (processing.workers): parse-mime and OpenPGP in the workers. */
async function workerPool(algo: Algo, messages: Buffer[]): Promise<number> {
  const ctx = await stageContext(algo);
  const workers = startWorkerPool({ size: CORES, init: { config: ctx.config, passphrase: { value: null, source: null } }, memoryMiB: ctx.config.processing.workerMemoryMiB, logger: pino({ level: 'silent' }) });
  const withWorkers = { ...ctx, sandbox: workers };
  await Promise.all(messages.slice(0, CORES * 2).map((raw) => openReport(raw, withWorkers))); // warm-up
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CORES * 2 }, async () => {
    while (next < messages.length) check(await openReport(messages[next++]!, withWorkers));
  }));
  const seconds = (performance.now() - started) / 1000;
  await workers.close(0);
  return seconds;
}

function check(result: { encryption: { status: string }; signature: { status: string } }): void {
  const encryption = result.encryption.status;
  const signature = result.signature.status;
  if (encryption !== 'decrypted' || signature !== 'valid') throw new Error(`bench message not opened: ${encryption}/${signature}`);
}
