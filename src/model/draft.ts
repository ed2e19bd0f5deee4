import type {
  AckRecord,
  Classification,
  EncryptionVerdict,
  FormResult,
  FromCheck,
  HeaderSummary,
  Indicators,
  ParseVerdict,
  PriorityVerdict,
  SignatureVerdict,
  ThreadingVerdict,
  UrgentVerdict,
} from './message-record.js';
import type { OfferedKey } from '../openpgp/offered-keys.js';
import type { OpenedPayload } from '../openpgp/open-payload.js';
import type { Understanding } from '../report/understand-report.js';
import type { OutgoingMail } from './outgoing-mail.js';
import type { MailPlan } from '../compose/mail-plan.js';
import type { RawHeader } from './raw-headers.js';
import type { MessageStatus } from './outcome.js';
import type { ReceivedMessage } from '../store/store.js';

export type { ReceivedMessage };

export interface ExtractedAttachment {
  /** Untrusted name from the message; only ever stored inside JSON. */
  filename: string | null;
  contentType: string;
  content: Buffer;
  sha256: string;
}

/**
 * The readable content of a report: the decrypted payload when there was one, else the
 * outer message. Later stages (forms, indicators) read only this.
 */
export interface ReportBody {
  text: string;
  html: string | null;
  attachments: ExtractedAttachment[];
}

/** Where the store placed the message (ticket and seq); set by the place step. */
export interface Placement {
  ticket: string;
  seq: number;
  status: Exclude<MessageStatus, 'duplicate'>;
}

/**
 * The typed value each pipeline step takes and returns (never mutates). It starts with
 * neutral verdicts so the record written to message.json is always complete.
 */
export interface Draft {
  message: ReceivedMessage;
  outerHeaders: RawHeader[];
  headers: HeaderSummary;
  from: FromCheck;
  parse: ParseVerdict;
  body: ReportBody;
  /** Decrypted MIME bytes, archived as decrypted.eml (mode 0600). */
  decrypted: Buffer | null;
  /** Keys the message offered (attachments, Autocrypt): stored as pending, never trusted. */
  offeredKeys: OfferedKey[];
  encryption: EncryptionVerdict;
  signature: SignatureVerdict;
  urgent: UrgentVerdict;
  form: FormResult;
  classification: Classification[];
  indicators: Indicators;
  tlp: string | null;
  priority: PriorityVerdict;
  threading: ThreadingVerdict & { ticket: string | null };
  placement: Placement | null;
  ack: AckRecord;
  /** Acknowledgement and notifications composed for this message (compose-ack). */
  outgoing: OutgoingMail[];
  /** Those that could not be composed (e.g. the team key cannot sign): queued to be composed again. */
  unsent: Array<{ plan: MailPlan; error: string }>;
  /** Time its untrusted parsing has taken so far (sandbox tasks), against processing.timeoutSeconds. */
  workMs: number;
  /**
   * What parse-mime's sandbox call (`read`, src/sandbox/tasks.ts) found for the later
   * stages to apply: unwrap-openpgp's opened layers, extract-report's understanding.
   * Absent before parse-mime, or for the parts a budget overrun cut off.
   */
  reading?: { opened?: OpenedPayload | null; understood?: Understanding | null };
  /** Time later stages' work took ahead of them in that call, by stage: each stage's timing in the log counts its own (run-pipeline.ts). */
  aheadMs?: Record<string, number>;
}

export function initialDraft(message: ReceivedMessage): Draft {
  return {
    message,
    outerHeaders: [],
    headers: { messageId: null, from: null, to: null, subject: null, date: null, subjectDecoded: null, innerSubject: null },
    from: { address: null, valid: false, count: 0, problem: 'not-parsed' },
    parse: { status: 'ok', error: null },
    body: { text: '', html: null, attachments: [] },
    decrypted: null,
    offeredKeys: [],
    encryption: { status: 'none', format: null, wrapped: false, error: null, parts: [], replayOf: null },
    signature: { status: 'none', coverage: 'none', signers: [], fromMatchesSigner: false },
    urgent: { flag: false, reason: null },
    form: { template: null, fields: {}, warnings: [] },
    classification: [{ class: 'other', type: 'undetermined', rule: 'default' }],
    indicators: emptyIndicators(),
    tlp: null,
    priority: { rank: DEFAULT_PRIORITY_RANK, rule: 'default' },
    threading: { kind: 'new', senderKnown: true, ticket: null },
    placement: null,
    ack: notComposedAck(),
    outgoing: [],
    unsent: [],
    workMs: 0,
  };
}

/** The ack record before screening decided anything. */
export function notComposedAck(): AckRecord {
  return {
    sent: false,
    suppressedReason: 'not-composed',
    file: null,
    status: 'suppressed',
    messageId: null,
    encrypted: false,
    sentAt: null,
    error: null,
    onDuty: null,
  };
}

/** Rank of a report no priority rule matched (the rules file's own default comes first). */
export const DEFAULT_PRIORITY_RANK = 1000;

export function emptyIndicators(): Indicators {
  const hosts = () => ({ ips: [], cidrs: [], domains: [] });
  return {
    ips: [],
    domains: [],
    cves: [],
    cidrs: [],
    urls: [],
    hashes: { md5: [], sha1: [], sha256: [], sha512: [] },
    declared: { affected: hosts(), sources: hosts() },
    candidates: hosts(),
  };
}
