import type { TransportInfo } from './transport.js';

/**
 * The JSON contract of `message.json` and `ticket.json` (DESIGN §4). Operators script
 * against these names: extend, never rename.
 */

export interface HeaderSummary {
  /** Raw header values (unfolded, not decoded), first occurrence; null when absent. */
  messageId: string | null;
  from: string | null;
  to: string | null;
  subject: string | null;
  date: string | null;
  /** The Subject with RFC 2047 encoded-words decoded. */
  subjectDecoded: string | null;
  /** The Subject protected inside the encrypted/signed payload (Thunderbird protected
   * headers), decoded; null when there is none. Threading also looks here. */
  innerSubject?: string | null;
}

export interface FromCheck {
  /** The single, strictly parsed addr-spec; null unless `valid`. */
  address: string | null;
  valid: boolean;
  /** Number of From header fields in the message. */
  count: number;
  /** Why the From was not accepted, when it was not. */
  problem: string | null;
}

export type EncryptionStatus = 'none' | 'decrypted' | 'failed';
export interface EncryptionVerdict {
  status: EncryptionStatus;
  /** `attachment`: a separately encrypted attachment (.gpg/.pgp/.asc). */
  format: 'pgp-mime' | 'inline' | 'attachment' | null;
  /** Some plaintext came from a ciphertext outside the sound decryption context (not
   * the MIME root or the whole body): it is never attributed to the outer From. */
  wrapped: boolean;
  error: string | null;
  /** Every ciphertext found, in MIME order. */
  parts?: CiphertextRecord[];
  /** The first message that carried the same ciphertext (a replay), or null. */
  replayOf?: { ticket: string; seq: number } | null;
}

export interface CiphertextRecord {
  /** MIME part number of the ciphertext ("" is the root). */
  path: string;
  format: 'pgp-mime' | 'inline' | 'attachment';
  status: Exclude<EncryptionStatus, 'none'>;
  wrapped: boolean;
  error: string | null;
  /** SHA-256 over the PKESK/SKESK and encrypted-data packets: the replay key. */
  sha256: string | null;
  /** Untrusted literal-packet filename, as the sender set it (escaped when shown). */
  literalFilename: string | null;
}

export type SignatureStatus =
  | 'none'
  | 'valid'
  | 'invalid'
  | 'unknown-key'
  | 'expired-key'
  | 'revoked-key'
  | 'partial';
export interface SignerVerdict {
  /** The signing key's primary fingerprint: from the curated keyring, else the issuer
   * fingerprint the signature names (unknown keys), else null. */
  fingerprint: string | null;
  /** The issuer key ID (16 hex digits) the signature names. */
  keyId: string;
  status: Exclude<SignatureStatus, 'none' | 'partial'>;
  /** Why it is not `valid` (weak-key, weak-hash, bad-signature, not-in-keyring …). */
  reason: string | null;
  created: string | null;
  /** `old` (older than pgp.maxSignatureAgeDays at receipt), `future` (beyond the skew). */
  flags: string[];
  /** Valid user IDs of the curated key (never user IDs carried in the message). */
  userIds: string[];
}
export interface SignatureVerdict {
  status: SignatureStatus;
  coverage: 'whole' | 'partial' | 'none';
  signers: SignerVerdict[];
  fromMatchesSigner: boolean;
  /** An S/MIME signature wrapped the whole message (a signing gateway): present, never
   * verified (csirt-intake verifies OpenPGP only); null or absent when there was none. */
  smime?: SmimeWrapper | null;
  /** More signatures than `limits.signatures`: those past the cap were not verified (DESIGN §10). */
  signersTruncated?: boolean;
}

export interface SmimeWrapper {
  /** MIME part number of the multipart/signed ("" is the root). */
  path: string;
  /** `application/pkcs7-signature` or the older `application/x-pkcs7-signature`. */
  protocol: string;
  verified: false;
}

export interface UrgentVerdict {
  flag: boolean;
  reason: string | null;
}

/**
 * One answer of a reporting form or machine format. `raw` is the text exactly as the
 * reporter wrote it; `value` is its normalised reading, null when the answer means "no
 * answer" (N/A, none, -, unknown, empty). `line` is the 1-based line in the prepared text.
 */
export interface FormField {
  raw: string;
  value: unknown;
  line: number | null;
  /** Why the value needs a human look (an ambiguous time zone abbreviation, for instance). */
  note?: string;
}

/** Field ids are dotted paths (`reporter.email`); repeated groups are arrays of objects. */
export type FormFields = { [key: string]: FormField | FormFields | FormFields[] };

export interface FormResult {
  /** Which parser matched: a form template id, `x-arf`, `xarf-v4`, `arf`, `iodef`, `key-value` or `free-text`. */
  template: string | null;
  fields: FormFields;
  warnings: string[];
}

/** An RSIT class/type (machine names) and the id of the rule that assigned it. */
export interface Classification {
  class: string;
  type: string;
  rule: string;
}

export interface HostIndicators {
  ips: string[];
  cidrs: string[];
  domains: string[];
}

export interface Indicators {
  /** Every address, network, name and id found, declared or not (RTIR's IP/Domain/CVE fields). */
  ips: string[];
  domains: string[];
  cves: string[];
  cidrs: string[];
  urls: string[];
  hashes: { md5: string[]; sha1: string[]; sha256: string[]; sha512: string[] };
  /** Hosts the reporter declared in form or machine-format fields, kept apart from guesses. */
  declared: { affected: HostIndicators; sources: HostIndicators };
  /** Found only in free text, logs and attachments: candidates for a handler to confirm. */
  candidates: HostIndicators;
}

/**
 * Where a report ranks in the team's ordered priority rules (RFC 2350 Appendix E): rank 0
 * is an urgent outer Subject, then the configured rules in order; `rule` is the one that fired.
 */
export interface PriorityVerdict {
  rank: number;
  rule: string;
}

export interface AttachmentRecord {
  /** Untrusted: the name the sender gave. Lives only here, never in a path. */
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  /** Relative to the message directory: `attachments/<sha256>`. */
  path: string;
}

export interface ThreadingVerdict {
  kind: 'new' | 'tag' | 'references';
  senderKnown: boolean;
}

/**
 * The acknowledgement of one message (DESIGN §7). `suppressedReason` is a stable code
 * (README: Acknowledgements) when none is sent; `file` is the archived copy as sent,
 * relative to the ticket directory (`acks/<NNN>.eml`), once delivered.
 */
export type AckStatus = 'suppressed' | 'queued' | 'sent' | 'failed';
export interface AckRecord {
  sent: boolean;
  suppressedReason: string | null;
  file: string | null;
  status: AckStatus;
  /** Our own Message-ID of the ack; replies to it thread into the ticket. */
  messageId: string | null;
  /** Encrypted to the envelope sender's key from the curated keyring (signed inside). */
  encrypted: boolean;
  sentAt: string | null;
  /** Why delivery was given up (status `failed`). */
  error: string | null;
  /** The on-duty notification of an urgent report, when one was made. */
  onDuty: OnDutyRecord | null;
}

export interface OnDutyRecord {
  status: Exclude<AckStatus, 'suppressed'>;
  messageId: string;
  file: string | null;
  sentAt: string | null;
  error: string | null;
}

export interface ParseVerdict {
  /** `overrun`: parsing went over its time or memory budget (DESIGN §10); the raw bytes are kept. */
  status: 'ok' | 'unparseable' | 'overrun';
  error: string | null;
}

export interface MessageRecord {
  ticket: string;
  seq: number;
  receivedAt: string;
  sha256: string;
  size: number;
  transport: TransportInfo;
  headers: HeaderSummary;
  from: FromCheck;
  parse: ParseVerdict;
  encryption: EncryptionVerdict;
  signature: SignatureVerdict;
  urgent: UrgentVerdict;
  form: FormResult;
  classification: Classification[];
  indicators: Indicators;
  tlp: string | null;
  priority: PriorityVerdict;
  attachments: AttachmentRecord[];
  threading: ThreadingVerdict;
  ack: AckRecord;
}

export interface TicketMessageSummary {
  seq: number;
  receivedAt: string;
  sha256: string;
  from: string | null;
  threading: ThreadingVerdict['kind'];
  urgent: boolean;
}

export interface TicketRecord {
  id: string;
  createdAt: string;
  updatedAt: string;
  status: 'open' | 'closed';
  /** When the ticket was last closed (`intake tickets close`); null or absent while open. */
  closedAt?: string | null;
  urgent: boolean;
  /** The highest-ranking priority rule over the ticket's messages (`urgent-subject` when urgent). */
  priority: string | null;
  /** Its rank: 0 is an urgent Subject, lower is more pressing; null before any message. */
  priorityRank: number | null;
  subject: string | null;
  reporter: { address: string | null; fingerprint: string | null };
  /** Every address (envelope sender or strict From) seen on this ticket, lower-cased. */
  correspondents: string[];
  classification: Classification[];
  flags: string[];
  messages: TicketMessageSummary[];
}
