import { parentPort, workerData } from 'node:worker_threads';
import { openReport, stageContext, type Algo } from './openpgp-lib.js';

/**
 * One decrypting worker: parses its keys once at start-up, then opens every message it
 * is sent and answers with the verdicts (the body stays in the worker).
 */
const ctx = await stageContext((workerData as { algo: Algo }).algo);
parentPort!.on('message', async (raw: Uint8Array) => {
  const draft = await openReport(Buffer.from(raw), ctx);
  parentPort!.postMessage({ encryption: draft.encryption.status, signature: draft.signature.status });
});
parentPort!.postMessage('ready');
