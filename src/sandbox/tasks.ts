import { composePlanned, type MailPlan } from '../compose/mail-plan.js';
import { initialDraft, type Draft, type ReportBody } from '../model/draft.js';
import type { OutgoingMail } from '../model/outgoing-mail.js';
import { fileTransport } from '../model/transport.js';
import type { FromCheck, HeaderSummary } from '../model/message-record.js';
import type { RawHeader } from '../model/raw-headers.js';
import { openPayload, type OpenedPayload } from '../openpgp/open-payload.js';
import { forMessage, type PgpKeys } from '../openpgp/pgp-context.js';
import { readOuterMessage, type OuterLimits, type OuterMessage } from '../pipeline/stages/parse-mime.js';
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

export interface Tasks {
  'parse-mime': { input: { raw: Buffer }; output: OuterMessage };
  'open-openpgp': { input: { raw: Buffer; from: FromCheck; receivedAt: number }; output: OpenedPayload };
  understand: { input: { outerHeaders: RawHeader[]; headers: HeaderSummary; body: ReportBody }; output: Understanding };
  /** Our own acknowledgement, signed (and encrypted): trusted work, off the main thread too. */
  compose: { input: { plan: MailPlan }; output: OutgoingMail };
}

export type TaskName = keyof Tasks;
export type TaskInput<T extends TaskName> = Tasks[T]['input'];
export type TaskOutput<T extends TaskName> = Tasks[T]['output'];

export async function runTask<T extends TaskName>(task: T, input: TaskInput<T>, ctx: TaskContext): Promise<TaskOutput<T>> {
  switch (task) {
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

/** The report readers take a Draft; they read only its headers and body. */
function reportDraft(outerHeaders: RawHeader[], headers: HeaderSummary, body: ReportBody): Draft {
  const message = { receiptId: '', raw: Buffer.alloc(0), sha256: '', receivedAt: new Date(0), transport: fileTransport(null, []) };
  return { ...initialDraft(message), outerHeaders, headers, body };
}
