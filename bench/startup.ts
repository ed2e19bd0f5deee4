import os from 'node:os';
import { report, round } from './bench-lib.js';
import { encryptedReport, reportEntity, type Algo } from './openpgp-lib.js';
import { cliWorkspace, gpgDecryptor, INTAKE_BIN, quantiles, RUNS, timeProcess } from './process-lib.js';

/**
 * Issue 9 item 2, as an MTA meets it: the wall time of one `intake` process started
 * through the installed launcher (bin/intake) — `intake --version`, and `intake ingest -`
 * of one ~4 KB PGP/MIME signed+encrypted report with no daemon running (decrypt, verify,
 * understand, ticket, archive with every fsync, a signed+encrypted acknowledgement) —
 * against `gpg --decrypt` spawned per message on the same ciphertexts, median and p90 of
 * BENCH_RUNS (40) runs after two warm-up runs (the compile cache is then warm, as it is
 * for every message but an installation's first).
 */
const TARGETS = { versionMs: 150, ingestMs: 300 };

const version: number[] = [];
const versionCpu: number[] = [];
for (let i = 0; i < RUNS + 2; i++) {
  const run = await timeProcess(INTAKE_BIN, ['--version'], '');
  if (run.code !== 0) throw new Error(`intake --version exited ${run.code}: ${run.stderr}`);
  if (i < 2) continue;
  version.push(run.ms);
  if (run.cpuMs !== null) versionCpu.push(run.cpuMs);
}
report({
  section: 'startup',
  case: 'intake --version',
  runs: RUNS,
  ...quantiles(version),
  ...(versionCpu.length > 0 ? { cpuMedianMs: quantiles(versionCpu).medianMs } : {}),
  targetMs: TARGETS.versionMs,
  loadAverage: round(os.loadavg()[0]!, 1),
});

for (const algo of ['cv25519', 'rsa3072'] as const) report(await ingestAgainstGpg(algo));

async function ingestAgainstGpg(algo: Algo): Promise<Record<string, unknown>> {
  const corpus = await Promise.all(Array.from({ length: RUNS + 2 }, (_, n) => encryptedReport(algo, n, reportEntity(n))));
  const workspace = await cliWorkspace(algo);
  const gpg = await gpgDecryptor(algo);
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const theirs: number[] = [];
  try {
    for (let n = 0; n < corpus.length; n++) {
      const { message, armored } = corpus[n]!;
      const run = await timeProcess(INTAKE_BIN, ['ingest', '--config', workspace.config, '--sender', 'reporter@example.org', '-'], message, { cwd: workspace.dir });
      if (run.code !== 0 || !run.stdout.includes('"status":"new"')) throw new Error(`intake ingest: exit ${run.code} ${run.stdout} ${run.stderr.slice(-300)}`);
      const gpgMs = await gpg.decrypt(armored);
      if (n < 2) continue; // warm-up: compile cache, gpg-agent
      ours.push(run.ms);
      if (run.cpuMs !== null) oursCpu.push(run.cpuMs);
      theirs.push(gpgMs);
    }
  } finally {
    await gpg.cleanup();
    await workspace.cleanup();
  }
  const intake = quantiles(ours);
  const baseline = quantiles(theirs);
  return {
    section: 'startup',
    case: `intake ingest - (no daemon), ${algo}`,
    runs: RUNS,
    ...intake,
    ...(oursCpu.length > 0 ? { cpuMedianMs: quantiles(oursCpu).medianMs } : {}),
    targetMs: TARGETS.ingestMs,
    gpgDecryptMedianMs: baseline.medianMs,
    gpgDecryptP90Ms: baseline.p90Ms,
    // > 1: intake is faster than gpg per process.
    ratioVsGpgMedian: round(baseline.medianMs / intake.medianMs, 2),
  };
}
