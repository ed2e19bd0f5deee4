import { composePlanned, type MailPlan } from '../compose/mail-plan.js';
import { initialDraft, type Draft, type ReportBody } from '../model/draft.js';
import type { OutgoingMail } from '../model/outgoing-mail.js';
import { fileTransport } from '../model/transport.js';
import type { FromCheck, HeaderSummary } from '../model/message-record.js';
import type { RawHeader } from '../model/raw-headers.js';
import { openedBody, openPayload, type OpenedPayload } from '../openpgp/open-payload.js';
import { forMessage, type PgpKeys } from '../openpgp/pgp-context.js';
import { readOuter, readOuterMessage, type OuterLimits, type OuterMessage } from '../pipeline/stages/parse-mime.js';
import type { ReportKnowledge } from '../report/knowledge.js';
import { understandReport, type Understanding } from '../report/understand-report.js';

/**
 * The work done on untrusted bytes, as pure functions of structured-cloneable inputs, so
 * the same code runs in a sandbox worker (budget enforced) or in the calling thread.
 */
export interface TaskContext {
  /** OpenPGP keys and limits; `receivedAt` comes with each message. */
  pgp: PgpKeys;
  report: ReportKnowledge;
  outer: OuterLimits;
}

/**
 * What the three untrusted readings of one message found, in one worker call (`read`):
 * parse-mime's outer message, unwrap-openpgp's opened layers, and extract-report's
 * understanding of the body unwrap-openpgp gives when the ciphertext is no replay (the
 * replay check needs the store: a replayed message is understood again, by `understand`).
 * `ms` is each part's time in the worker, for the log line's `stages`.
 */
export interface MessageReading {
  outer: OuterMessage;
  /** null: not opened (no header field; the raw splitter's limits, which parse-mime judged). */
  opened: OpenedPayload | null;
  /** null: not run (the outer message did not parse). */
  understood: Understanding | null;
  ms: ReadingMs;
}

export interface ReadingMs {
  'parse-mime': number;
  'unwrap-openpgp': number;
  'extract-report': number;
}

/**
 * Told after each part of a task that has parts (`read`): what it found so far, and the
 * task name of the part that runs next. The sandbox keeps it, so a message that overruns
 * in a later part keeps what the earlier parts read, as when they were separate calls.
 */
export type TaskProgress = (partial: Record<string, unknown>, next: TaskName) => void;

export interface Tasks {
  read: { input: { raw: Buffer; receivedAt: number }; output: MessageReading };
  'parse-mime': { input: { raw: Buffer }; output: OuterMessage };
  'open-openpgp': { input: { raw: Buffer; from: FromCheck; receivedAt: number }; output: OpenedPayload };
  understand: { input: { outerHeaders: RawHeader[]; headers: HeaderSummary; body: ReportBody }; output: Understanding };
  /** Our own acknowledgement, signed (and encrypted): trusted work, off the main thread too. */
  compose: { input: { plan: MailPlan }; output: OutgoingMail };
}

export type TaskName = keyof Tasks;
export type TaskInput<T extends TaskName> = Tasks[T]['input'];
export type TaskOutput<T extends TaskName> = Tasks[T]['output'];

export async function runTask<T extends TaskName>(task: T, input: TaskInput<T>, ctx: TaskContext, progress: TaskProgress = () => undefined): Promise<TaskOutput<T>> {
  switch (task) {
    case 'read': {
      const { raw, receivedAt } = input as TaskInput<'read'>;
      return (await readMessage(raw, receivedAt, ctx, progress)) as TaskOutput<T>;
    }
    case 'parse-mime': {
      const { raw } = input as TaskInput<'parse-mime'>;
      return (await readOuterMessage(raw, ctx.outer)) as TaskOutput<T>;
    }
    case 'open-openpgp': {
      const { raw, from, receivedAt } = input as TaskInput<'open-openpgp'>;
      return (await openPayload(raw, from, forMessage(ctx.pgp, new Date(receivedAt)))) as TaskOutput<T>;
    }
    case 'understand': {
      const { outerHeaders, headers, body } = input as TaskInput<'understand'>;
      return understandReport(reportDraft(outerHeaders, headers, body), ctx.report) as TaskOutput<T>;
    }
    case 'compose': {
      const { plan } = input as TaskInput<'compose'>;
      return (await composePlanned(plan, ctx.pgp)) as TaskOutput<T>;
    }
    default:
      throw new Error(`unknown sandbox task ${String(task)}`);
  }
}

/**
 * parse-mime, open-openpgp and understand in the order and under the conditions the
 * pipeline's stages apply them (run-pipeline.ts): one call, and the raw message crosses
 * to the worker once. The body understood is `openedBody` without a replay.
 */
async function readMessage(raw: Buffer, receivedAt: number, ctx: TaskContext, progress: TaskProgress): Promise<MessageReading> {
  const ms: ReadingMs = { 'parse-mime': 0, 'unwrap-openpgp': 0, 'extract-report': 0 };
  let started = performance.now();
  const { outer, tree } = await readOuter(raw, ctx.outer);
  ms['parse-mime'] = performance.now() - started;
  progress({ outer, ms: { ...ms } }, 'open-openpgp');

  started = performance.now();
  let opened: OpenedPayload | null = null;
  if (outer.outerHeaders.length > 0) {
    try {
      opened = await openPayload(raw, outer.from, forMessage(ctx.pgp, new Date(receivedAt)), tree ?? undefined);
    } catch (error) {
      // The raw splitter's own limits (header size, part count): parse-mime has judged it.
      if ((error as { code?: string }).code !== 'EMAXLEN') throw error;
    }
  }
  ms['unwrap-openpgp'] = performance.now() - started;
  if (outer.parse.status !== 'ok') return { outer, opened, understood: null, ms };
  progress({ opened, ms: { ...ms } }, 'understand');

  started = performance.now();
  const body = opened ? openedBody(outer.body, opened, false) : outer.body;
  const headers = opened ? { ...outer.headers, innerSubject: opened.innerSubject } : outer.headers;
  const understood = understandReport(reportDraft(outer.outerHeaders, headers, body), ctx.report);
  ms['extract-report'] = performance.now() - started;
  return { outer, opened, understood, ms };
}

/** The report readers take a Draft; they read only its headers and body. */
function reportDraft(outerHeaders: RawHeader[], headers: HeaderSummary, body: ReportBody): Draft {
  const message = { receiptId: '', raw: Buffer.alloc(0), sha256: '', receivedAt: new Date(0), transport: fileTransport(null, []) };
  return { ...initialDraft(message), outerHeaders, headers, body };
}
