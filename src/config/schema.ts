import { isIP } from 'node:net';
import { z } from 'zod';
import { UNKNOWN_ZONE } from './describe-issue.js';

/**
 * The configuration contract (DESIGN §3). Every object is strict: an unknown key is an
 * error, so a typo never silently falls back to a default. Defaults exist so that a
 * short file is enough; `intake config print` shows the resolved whole.
 */

const email = z.string().regex(/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/, 'must be a plain address like cert@example.org');

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, UNKNOWN_ZONE);

const port = z.number().int().min(0).max(65535);
// Shown in acknowledgements and header fields: one line of printable text.
const oneLine = z.string().regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must be one line without control characters');
const nullablePath = z.string().min(1).nullable();

const team = z.strictObject({
  name: oneLine.min(1).max(64),
  ticketPrefix: z.string().regex(/^[A-Z][A-Z0-9]{1,15}$/, 'upper-case letters and digits, 2–16 characters'),
  addresses: z.array(email).min(1),
  ackFrom: email,
  timezone: timezone.default('UTC'),
  businessHours: oneLine.max(200).default('Mon-Fri 09:00-17:00'),
  urgentKeywords: z.array(z.string().min(1).max(64)).default(['urgent']),
  onDutyAddress: email.nullable().default(null),
});

const pgp = z
  .strictObject({
    privateKeyFile: z.string().min(1).default('keys/team.sec.asc'),
    passphraseFile: nullablePath.default(null),
    keyringDir: z.string().min(1).default('keys/constituents'),
    /** Keys that arrived in mail (attachments, Autocrypt), awaiting `intake keys accept`. */
    pendingDir: z.string().min(1).default('keys/pending'),
    /** Plaintext all decryptions and decompressions of one message may produce together
     * (one budget per message, not per ciphertext); null means smtp.maxMessageBytes. */
    maxDecompressedMessageBytes: z.number().int().min(1024).nullable().default(null),
    /** Signatures older than this (relative to the time of receipt) are flagged `old`. */
    maxSignatureAgeDays: z.number().int().min(1).max(36500).default(30),
    /** Signatures dated up to this far in the future are accepted without a flag. */
    clockSkewSeconds: z.number().int().min(0).max(86400).default(300),
    /** A signature created further than this from the message's Date header is flagged
     * `date-mismatch` (Thunderbird refuses the signed status beyond one hour). */
    maxSignatureDateSkewSeconds: z.number().int().min(60).max(31_536_000).default(3600),
  })
  .prefault({});

const archive = z.strictObject({ dir: z.string().min(1).default('data') }).prefault({});

const tls = z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1) });

/** A duration in seconds; fractions allowed so tests can use short timeouts. */
const seconds = (max: number) => z.number().positive().max(max);

const smtp = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(2525),
    maxMessageBytes: z.number().int().min(1024).max(1024 ** 3).default(25 * 1024 * 1024),
    tls: tls.nullable().default(null),
    /** Connections at once; one more is answered `421` and closed. */
    maxClients: z.number().int().min(1).max(100_000).default(100),
    /** Recipients per transaction (each must be a team address anyway). */
    maxRecipients: z.number().int().min(1).max(1000).default(50),
    /** Longest command line in bytes (CVE-2026-38728: unbounded lines exhausted memory). */
    maxCommandLength: z.number().int().min(512).max(65536).default(4096),
    /** Inactivity allowed before `421` (RFC 5321 §4.5.3.2: a server SHOULD wait ≥ 5 minutes). */
    socketTimeoutSeconds: seconds(3600).default(300),
    /** Whole DATA phase, 354 to the final dot: bounds a sender that trickles bytes (RFC 5321 §4.5.3.2.6). */
    dataTimeoutSeconds: seconds(3600).default(600),
    /** While the work queue is full, how long a reply is held before it becomes `451`. */
    busyWaitSeconds: seconds(300).default(5),
    /** On shutdown, how long open sessions may finish before they are closed with `421`. */
    closeTimeoutSeconds: seconds(600).default(30),
    /** A CR or LF that is not part of CRLF in DATA: `reject` (554, like Postfix/Sendmail) or `accept` (kept as received). */
    bareLineEndings: z.enum(['reject', 'accept']).default('reject'),
  })
  .prefault({});

/**
 * LMTP (RFC 2033) for an MTA on the same host or network: Postfix's `lmtp` transport,
 * Exim's `lmtp` transport, and `intake ingest` handing its message to the daemon. The
 * limits (size, clients, recipients, timeouts, line endings) are the smtp.* ones.
 */
const lmtp = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** A Unix socket (e.g. /run/csirt-intake/lmtp.sock); `intake ingest` hands off here. */
    socket: nullablePath.default(null),
    /** Permissions of the socket: who may connect (connecting needs write permission). */
    socketMode: z.string().regex(/^0?[0-7]{3}$/, 'an octal mode as a string, e.g. "0660"').default('0660'),
    /** Group of the socket (name or number), e.g. postfix; null: the daemon's own group. */
    socketGroup: z.string().min(1).nullable().default(null),
    /** TCP, for an MTA on another host (a trusted network only: LMTP has no TLS here). */
    host: z.string().min(1).nullable().default(null),
    port: port.nullable().default(null),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if ((value.host === null) !== (value.port === null)) {
      ctx.addIssue({ code: 'custom', path: [value.host === null ? 'host' : 'port'], message: 'lmtp.host and lmtp.port go together' });
    }
    if (value.enabled && value.socket === null && value.host === null) {
      ctx.addIssue({ code: 'custom', path: ['socket'], message: 'lmtp.enabled needs a socket or a host and port' });
    }
  });

const imap = z
  .strictObject({
    enabled: z.boolean().default(false),
    host: z.string().min(1).nullable().default(null),
    port: port.default(993),
    secure: z.boolean().default(true),
    user: z.string().min(1).nullable().default(null),
    passwordFile: nullablePath.default(null),
    mailbox: z.string().min(1).default('INBOX'),
    processedMailbox: z.string().min(1).default('Processed'),
    failedMailbox: z.string().min(1).default('Failed'),
    /** Larger messages are moved to failedMailbox unread. */
    maxMessageBytes: z.number().int().min(1024).max(1024 ** 3).default(25 * 1024 * 1024),
    /** IDLE is restarted (or, without IDLE, the mailbox polled) at least this often. */
    pollSeconds: seconds(3600).default(60),
    /** Inactivity before the connection is considered dead. */
    socketTimeoutSeconds: seconds(3600).default(300),
    /** Reconnect delay: doubles from min to max, with jitter. */
    reconnectMinSeconds: seconds(3600).default(1),
    reconnectMaxSeconds: seconds(86400).default(300),
    /** A message whose fetch fails this many times goes to failedMailbox. */
    maxFetchAttempts: z.number().int().min(1).max(100).default(3),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if (value.processedMailbox === value.mailbox || value.failedMailbox === value.mailbox) {
      ctx.addIssue({ code: 'custom', path: ['processedMailbox'], message: 'processedMailbox and failedMailbox must differ from mailbox' });
    }
    if (value.reconnectMaxSeconds < value.reconnectMinSeconds) {
      ctx.addIssue({ code: 'custom', path: ['reconnectMaxSeconds'], message: 'must be at least reconnectMinSeconds' });
    }
    if (!value.enabled) return;
    if (!value.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'required when imap.enabled' });
    if (!value.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'required when imap.enabled' });
  });

const outbound = z
  .strictObject({
    mode: z.enum(['outbox', 'smtp']).default('outbox'),
    host: z.string().min(1).nullable().default(null),
    port: port.default(25),
    secure: z.boolean().default(false),
    user: z.string().min(1).nullable().default(null),
    passwordFile: nullablePath.default(null),
    /**
     * STARTTLS to the relay: `opportunistic` uses it when offered (certificate verified),
     * `required` refuses to send without it, `never` ignores it (e.g. a loopback MTA with
     * a self-signed certificate). `secure: true` is TLS from the first byte instead.
     */
    starttls: z.enum(['opportunistic', 'required', 'never']).default('opportunistic'),
    /** First retry after a temporary failure; doubles per attempt up to retryMaxSeconds. */
    retryInitialSeconds: z.number().positive().max(86_400).default(60),
    retryMaxSeconds: z.number().positive().max(86_400).default(3600),
    /** A message still undelivered this long after it was queued is given up (error log). */
    giveUpAfterSeconds: z.number().positive().max(30 * 86_400).default(2 * 86_400),
    /** How often `intake serve` looks into the outbox for mail queued by other processes. */
    pollSeconds: z.number().positive().max(3600).default(5),
    /** A claimed entry is another process's or node's to take over after this long (a sender that died). */
    leaseSeconds: z.number().positive().max(86_400).default(300),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if (value.mode === 'smtp' && !value.host) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'required when outbound.mode is smtp' });
    }
  });

const ack = z
  .strictObject({
    enabled: z.boolean().default(true),
    maxPerSenderPerDay: z.number().int().min(0).default(10),
    /** Text of the acknowledgement, placeholders only; null: the shipped config/ack-template.txt. */
    templateFile: nullablePath.default(null),
    /** Text of the on-duty notification; null: the shipped config/on-duty-template.txt. */
    onDutyTemplateFile: nullablePath.default(null),
  })
  .prefault({});

const log = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    file: z.string().min(1).nullable().default('data/logs/intake.log'),
    /** `intake serve` logs a health line (queue depth, counts) at debug level this often. */
    healthIntervalSeconds: seconds(86400).default(60),
  })
  .prefault({});

/** GET /metrics (Prometheus text) and GET /healthz of `intake serve`; loopback by default (no authentication). */
const metrics = z
  .strictObject({
    enabled: z.boolean().default(false),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(9465),
  })
  .prefault({});

const processing = z
  .strictObject({
    /** Messages processed at once. OpenPGP work runs in the worker threads, so a few more
     * messages than cores in flight keep the disk waits (fsync) overlapped. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Work budget of one message: its untrusted parsing (sandbox) may take this long before it is
     * stopped and recorded as `overrun`; the rest of its processing (disk) likewise, else it is retried. */
    timeoutSeconds: seconds(3600).default(120),
    /** Sandbox worker threads that parse untrusted mail — MIME, OpenPGP, the report — one
     * message at a time each, terminated and replaced when a message overruns its budget
     * (DESIGN §10). Each holds its own copy of the keys. `auto`: one per core (at most 4)
     * in `intake serve`, one in one-shot commands such as `intake ingest`. 0 parses in the
     * main thread, where nothing can stop a message that hangs (tests, debugging). */
    workers: z.union([z.literal('auto'), z.number().int().min(0).max(16)]).default('auto'),
    /** Heap of each sandbox worker (V8 old generation); a message that needs more is `overrun`. */
    workerMemoryMiB: z.number().int().min(64).max(16_384).default(1024),
    /** A message whose processing failed stays in the store and is retried after a delay doubling from min to max. */
    retryMinSeconds: seconds(86400).default(30),
    retryMaxSeconds: seconds(86400).default(3600),
    /** How often `intake serve` looks for received messages nobody finished (failed and due, or another process's or node's after its lease). */
    recoveryPollSeconds: seconds(3600).default(5),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if (value.retryMaxSeconds < value.retryMinSeconds) {
      ctx.addIssue({ code: 'custom', path: ['retryMaxSeconds'], message: 'must be at least retryMinSeconds' });
    }
  });

const network = z.string().refine((value) => {
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits >= 1 && bits <= (family === 4 ? 32 : 128);
}, 'an IP address or CIDR network such as 192.0.2.0/24');

const report = z
  .strictObject({
    /** Directories of the team's own form templates (YAML), read after the shipped config/forms. */
    templateDirs: z.array(z.string().min(1)).default([]),
    /** Classification and priority rules; null: the shipped config/report-rules.yaml. */
    rulesFile: nullablePath.default(null),
    /** The constituency's networks: attacks declared to come from them rank higher (RFC 2350 App. E). */
    constituencyNetworks: z.array(network).default([]),
    /** Text read per report (body, text attachments, evidence), in characters. */
    maxTextBytes: z.number().int().min(4096).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
    /** Entries per indicator list in message.json. */
    maxIndicators: z.number().int().min(1).max(100_000).default(1000),
  })
  .prefault({});

const store = z
  .strictObject({
    /** sqlite: one embedded file (default, nothing to install); postgresql: one database shared by several nodes. */
    engine: z.enum(['sqlite', 'postgresql']).default('sqlite'),
    /** sqlite: the database file on a local disk (mode 0600); null: <archive.dir>/intake.sqlite. */
    path: nullablePath.default(null),
    /** postgresql: postgres://user@host:port/db; or urlFile (a secret), or env INTAKE_STORE_URL. */
    url: z.string().min(1).nullable().default(null),
    urlFile: nullablePath.default(null),
    /** sqlite: how long a write waits for another process's lock (retried from a timer), then fails temporarily (SMTP 451, exit 75). */
    lockWaitSeconds: z.number().positive().max(3600).default(30),
    /** sqlite, intake serve: the store in a thread of its own (no statement or COMMIT's fsync on the event loop; README Performance). */
    thread: z.boolean().default(true),
    /** postgresql: connections per process. */
    connections: z.number().int().min(1).max(64).default(4),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if (value.engine === 'sqlite' && (value.url || value.urlFile)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'store.url and store.urlFile are for store.engine: postgresql' });
    }
  });

/** An http(s) URL without credentials in it (those come from secret files). */
const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}, 'an http:// or https:// URL without user or password in it');

export const WEBHOOK_EVENTS = ['ticket.created', 'message.added', 'ticket.closed', 'ticket.reopened'] as const;

const webhook = z.strictObject({
  url: httpUrl,
  /** The HMAC-SHA256 key of X-Intake-Signature (required: an unsigned webhook could be forged). */
  secretFile: z.string().min(1),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default([...WEBHOOK_EVENTS]),
  timeoutSeconds: seconds(300).default(15),
});

/** Names of the RT custom fields that receive csirt-intake's facts; a null name is not set. */
const rtCustomFields = z
  .strictObject({
    ticket: z.string().min(1).nullable().default(null),
    signedBy: z.string().min(1).nullable().default(null),
    signature: z.string().min(1).nullable().default(null),
    fromMatchesSigner: z.string().min(1).nullable().default(null),
    encryption: z.string().min(1).nullable().default(null),
  })
  .prefault({});

const rt = z
  .strictObject({
    url: httpUrl,
    queue: z.string().min(1),
    /** An RT auth token (Settings → Auth Tokens), or env INTAKE_RT_TOKEN. */
    tokenFile: nullablePath.default(null),
    /** Or an RT user and its password (HTTP Basic; password from the file or env INTAKE_RT_PASSWORD). */
    user: z.string().min(1).nullable().default(null),
    passwordFile: nullablePath.default(null),
    customFields: rtCustomFields,
    timeoutSeconds: seconds(300).default(30),
  })
  .superRefine((value, ctx) => {
    if (value.tokenFile !== null && value.user !== null) {
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'give tokenFile or user/passwordFile, not both' });
    }
  });

const handoff = z
  .strictObject({
    /** JSON POSTs per ticket event, HMAC-signed, queued in the store and retried like acks. */
    webhooks: z.array(webhook).default([]),
    /** Request Tracker REST2: an RT ticket per report, follow-ups as correspondence. */
    rt: rt.nullable().default(null),
    /** How long a node may hold a delivery before another node may take it over (a node that died). */
    leaseSeconds: seconds(3600).default(300),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    // A lease shorter than one attempt would let a second node send what the first is still sending.
    const longest = Math.max(0, ...value.webhooks.map((w) => w.timeoutSeconds), value.rt ? value.rt.timeoutSeconds * 3 : 0);
    if (value.leaseSeconds <= longest) {
      ctx.addIssue({ code: 'custom', path: ['leaseSeconds'], message: `must be longer than one delivery can take (${longest} s: the webhook timeouts, three RT requests)` });
    }
  });

/**
 * Caps on what one message may make us do (DESIGN §10). Each one reached is a verdict
 * that names it (README "Bounded work"), never an error or a retry.
 */
const count = (max: number) => z.number().int().min(1).max(max);
const limits = z
  .strictObject({
    /** PKESK + SKESK packets in all ciphertexts of one message (`encryption.error: too-many-session-keys`). */
    sessionKeys: count(100_000).default(64),
    /** Signatures verified per message; the rest are not (`signature.signersTruncated`). */
    signatures: count(100_000).default(32),
    /** Ciphertexts opened per message — the body's, encrypted attachments, wrapped ones (`too-many-ciphertexts`). */
    ciphertexts: count(10_000).default(32),
    /** Partial-length chunks in one OpenPGP block; null: one per 512 bytes of smtp.maxMessageBytes (`too-many-partial-chunks`). */
    partialChunks: count(100_000_000).nullable().default(null),
    /** User IDs in a key that arrives in mail; a key with more is not offered (`too-many-user-ids`). */
    keyUserIds: count(10_000).default(64),
    /** MIME parts per message (`parse.status: unparseable`, error names the cap). */
    mimeParts: count(100_000).default(1000),
    /** Nesting of multiparts and message/rfc822 (same verdict). */
    mimeDepth: count(1000).default(32),
    /** Header fields of the outer message (same verdict). */
    headerFields: count(100_000).default(1000),
    /** Bytes of one unfolded header field (same verdict). */
    headerFieldBytes: count(1024 * 1024).default(64 * 1024),
    /** Entries of a list (signers, classes) in one log line; the rest are counted, not listed. */
    logListEntries: count(10_000).default(10),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    team,
    pgp,
    archive,
    smtp,
    lmtp,
    imap,
    outbound,
    ack,
    log,
    metrics,
    processing,
    report,
    store,
    handoff,
    limits,
  })
  .superRefine((value, ctx) => {
    // A decompression limit above the archive cap would let a small zlib bomb grow past
    // what we accept as a whole message (docs/research/security.md §3).
    const limit = value.pgp.maxDecompressedMessageBytes;
    if (limit !== null && limit > value.smtp.maxMessageBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['pgp', 'maxDecompressedMessageBytes'],
        message: `must not exceed smtp.maxMessageBytes (${value.smtp.maxMessageBytes})`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
