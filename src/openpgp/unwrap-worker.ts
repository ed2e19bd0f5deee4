import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { loadKeyring } from '../keys/keyring.js';
import { readTeamKey } from '../keys/team-key.js';
import type { FromCheck } from '../model/message-record.js';
import { composePlanned, type MailPlan } from '../compose/mail-plan.js';
import { hardenedOpenpgpConfig } from './openpgp-config.js';
import { openPayload } from './open-payload.js';
import type { PgpContext } from './pgp-context.js';

/**
 * An OpenPGP worker thread: reads the team key and the curated keyring once, at start-up,
 * then opens messages (decrypt, verify, parse the payload) and composes acknowledgements
 * (sign, encrypt) for the main thread.
 */
interface Init {
  config: Config;
  passphrase: string | null;
}
export interface OpenRequest {
  id: number;
  raw: Uint8Array;
  from: FromCheck;
  receivedAt: number;
}

const { config, passphrase } = workerData as Init;
const team = await readTeamKey(config.pgp.privateKeyFile, passphrase);
const openpgpConfig = hardenedOpenpgpConfig(config, team.isRsa);
const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), openpgpConfig);

/** Composing an acknowledgement (sign, and encrypt to the recipient's curated key): CPU work off the main thread too. */
export interface ComposeRequest {
  id: number;
  op: 'compose';
  plan: MailPlan;
}

parentPort!.on('message', async (request: OpenRequest | ComposeRequest) => {
  if ('op' in request && request.op === 'compose') {
    try {
      parentPort!.postMessage({ id: request.id, result: await composePlanned(request.plan, { team, keyring }) });
    } catch (error) {
      parentPort!.postMessage({ id: request.id, error: { message: (error as Error).message, code: (error as { code?: string }).code ?? null } });
    }
    return;
  }
  const { id, raw, from, receivedAt } = request as OpenRequest;
  const pgp: PgpContext = {
    team,
    keyring,
    config: openpgpConfig,
    receivedAt: new Date(receivedAt),
    maxSignatureAgeMs: config.pgp.maxSignatureAgeDays * 24 * 3600 * 1000,
    clockSkewMs: config.pgp.clockSkewSeconds * 1000,
  };
  try {
    parentPort!.postMessage({ id, result: await openPayload(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), from, pgp) });
  } catch (error) {
    parentPort!.postMessage({ id, error: { message: (error as Error).message, code: (error as { code?: string }).code ?? null } });
  }
});
parentPort!.postMessage({ ready: true });
