import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { report, round } from './bench-lib.js';
import { encryptedReport, reportEntity, type Algo } from './openpgp-lib.js';
import { cliWorkspace, gpgDecryptor, INTAKE_BIN, quantiles, RUNS, timeProcess } from './process-lib.js';

/**
 * Issue 9 item 3: `intake ingest -` as an MTA pipe runs it while `intake serve` listens on
 * `lmtp.socket` — the process hands the message over LMTP and exits with the daemon's
 * verdict, which comes after the whole pipeline (decrypt, verify, understand, ticket,
 * archive, signed+encrypted acknowledgement). Wall time of each ingest process, median
 * and p90 of BENCH_RUNS (40), against `gpg --decrypt` per message on the same ciphertexts.
 */
const TARGET_MS = 100;

for (const algo of ['cv25519', 'rsa3072'] as const) report(await pipeAgainstGpg(algo));

async function pipeAgainstGpg(algo: Algo): Promise<Record<string, unknown>> {
  const corpus = await Promise.all(Array.from({ length: RUNS + 2 }, (_, n) => encryptedReport(algo, n, reportEntity(n))));
  const workspace = await cliWorkspace(algo, { lmtp: { enabled: true, socket: path.join(os.tmpdir(), `intake-bench-${process.pid}-${algo}.sock`) } });
  const serve = await startServe(workspace.config, workspace.dir);
  const gpg = await gpgDecryptor(algo);
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const theirs: number[] = [];
  try {
    for (let n = 0; n < corpus.length; n++) {
      const { message, armored } = corpus[n]!;
      const run = await timeProcess(INTAKE_BIN, ['ingest', '--config', workspace.config, '--sender', 'reporter@example.org', '-'], message, { cwd: workspace.dir });
      if (run.code !== 0 || !run.stdout.includes('"status":"new"')) throw new Error(`intake ingest: exit ${run.code} ${run.stdout} ${run.stderr.slice(-300)}`);
      // Processed locally would mean no hand-off: the report line would be on this process's stderr.
      if (run.stderr.includes('report processed')) throw new Error('intake ingest processed the message itself: no hand-off');
      const gpgMs = await gpg.decrypt(armored);
      if (n < 2) continue;
      ours.push(run.ms);
      if (run.cpuMs !== null) oursCpu.push(run.cpuMs);
      theirs.push(gpgMs);
    }
  } finally {
    await serve.stop();
    await gpg.cleanup();
    await workspace.cleanup();
  }
  const intake = quantiles(ours);
  const baseline = quantiles(theirs);
  return {
    section: 'pipe',
    case: `intake ingest - handed to intake serve over LMTP, ${algo}`,
    runs: RUNS,
    ...intake,
    ...(oursCpu.length > 0 ? { cpuMedianMs: quantiles(oursCpu).medianMs } : {}),
    targetMs: TARGET_MS,
    gpgDecryptMedianMs: baseline.medianMs,
    gpgDecryptP90Ms: baseline.p90Ms,
    ratioVsGpgMedian: round(baseline.medianMs / intake.medianMs, 2),
  };
}

/** `intake serve` through the launcher; resolves once the LMTP listener is up. */
function startServe(config: string, cwd: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn(INTAKE_BIN, ['serve', '--config', config], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('"lmtp listener started"')) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ stop: async () => void (child.kill('SIGTERM'), await exited) });
      }
    });
    child.once('exit', (code) => reject(new Error(`intake serve exited ${code} before listening: ${out.slice(-500)}`)));
  });
}
