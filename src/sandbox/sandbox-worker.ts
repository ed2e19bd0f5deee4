import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { loadKeyring } from '../keys/keyring.js';
import { judgeTeamKey, type JudgedTeamKey } from '../keys/judge-team-key.js';
import { readTeamKey, teamKeyFacts, type TeamKeyPassphrase } from '../keys/team-key.js';
import { hardenedOpenpgpConfig } from '../openpgp/openpgp-config.js';
import { pgpKeys } from '../openpgp/pgp-context.js';
import { outerLimits } from '../pipeline/stages/parse-mime.js';
import { loadReportKnowledge } from '../report/knowledge.js';
import { pack, revive } from '../threads/wire.js';
import { runTask, type TaskContext, type TaskName } from './tasks.js';

/**
 * A sandbox worker thread: reads the team key, the curated keyring and the report
 * knowledge once, then runs one task at a time for the main thread. Its ready message
 * carries the team key's facts and judgement, so that a one-shot command's main thread
 * need not load OpenPGP keys at all (app.ts). The main thread
 * terminates it when a task overruns the message's budget; nothing here has to cooperate.
 */
export interface SandboxInit {
  config: Config;
  passphrase: TeamKeyPassphrase;
  /** A replacement for a terminated worker: warm up before the first task. */
  warmUp?: boolean;
}

export interface TaskRequest {
  id: number;
  task: TaskName;
  input: unknown;
}

/** A worker's first message: it has read the keys and the report knowledge. */
export interface WorkerReady {
  ready: true;
  team: JudgedTeamKey;
}

export type TaskReply =
  | { id: number; value: unknown }
  | { id: number; error: { message: string; code: string | null; kind: string | null } }
  /** A part of the task done (tasks.ts TaskProgress); the value that follows leaves out what was sent here. */
  | { id: number; partial: Record<string, unknown>; next: TaskName };

const { config, passphrase, warmUp: warm = false } = workerData as SandboxInit;
const team = await readTeamKey(config.pgp.privateKeyFile, passphrase);
const openpgpConfig = hardenedOpenpgpConfig(config, team.isRsa);
const judged: JudgedTeamKey = { facts: teamKeyFacts(team), ...(await judgeTeamKey(team, new Date(), openpgpConfig)) };
const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), openpgpConfig);
const context: TaskContext = { pgp: pgpKeys(config, team, keyring), report: await loadReportKnowledge(config), outer: outerLimits(config) };

parentPort!.on('message', async ({ id, task, input }: TaskRequest) => {
  let reply: TaskReply;
  const sent = new Map<string, unknown>();
  const progress = (partial: Record<string, unknown>, next: TaskName): void => {
    for (const [key, value] of Object.entries(partial)) sent.set(key, value);
    const packed = pack({ id, partial, next } satisfies TaskReply);
    parentPort!.postMessage(packed.value, packed.transfer);
  };
  try {
    reply = { id, value: unsent(await runTask(task, revive(input) as never, context, progress), sent) };
  } catch (error) {
    const { message, code, kind } = error as { message?: string; code?: string; kind?: string };
    reply = { id, error: { message: String(message ?? error), code: code ?? null, kind: kind ?? null } };
  }
  const packed = pack(reply);
  parentPort!.postMessage(packed.value, packed.transfer);
});
/** A value without the parts progress already sent (the main thread merges them back): each crosses once. */
function unsent(value: unknown, sent: Map<string, unknown>): unknown {
  if (sent.size === 0 || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key, part]) => !sent.has(key) || sent.get(key) !== part));
}

// A replacement worker takes over a message's remaining budget at once: its parsers are
// warmed up first (one small message), so a cold start is not billed to the next message.
if (warm) await warmUp(context);
parentPort!.postMessage({ ready: true, team: judged } satisfies WorkerReady);

async function warmUp(ctx: TaskContext): Promise<void> {
  const raw = Buffer.from('From: a@b.example\r\nTo: c@d.example\r\nSubject: warm-up\r\nContent-Type: text/plain\r\n\r\nSource IP: 192.0.2.1\r\n');
  try {
    const outer = await runTask('parse-mime', { raw }, ctx);
    await runTask('open-openpgp', { raw, from: outer.from, receivedAt: Date.now() }, ctx);
    await runTask('understand', { outerHeaders: outer.outerHeaders, headers: outer.headers, body: outer.body }, ctx);
  } catch {
    // A failed warm-up only costs the first message some time.
  }
}
