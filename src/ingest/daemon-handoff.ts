import { formatHandoffParam, LMTP_BANNER, parseStoredReply, wireForm, type HandoffFlag, type StoredVerdict } from './lmtp-handoff.js';
import { dotStuff, LmtpClient, Unreachable, type LmtpReply } from './lmtp-client.js';

/** The envelope `intake ingest` has for a message: sender null when unknown, no recipients when none was given. */
export interface IngestEnvelope {
  sender: string | null;
  recipients: string[];
}

/**
 * What became of a message offered to the daemon. `stored`: durable there (exit 0).
 * `tempfail`: the daemon said 4xx (exit 75, the MTA retries). `local`: no verdict from the
 * daemon — it is not running, refused the message permanently, or the message cannot
 * travel over LMTP byte for byte — so `intake ingest` decides itself by the same rules,
 * and a permanent refusal is the same there (65 too large, 67 no team recipient).
 */
export type HandoffResult = { kind: 'stored'; verdict: StoredVerdict } | { kind: 'tempfail'; reply: LmtpReply } | { kind: 'local'; reason: string };

const CONNECT_TIMEOUT_MS = 5_000;
/** Covers a reply held by back-pressure (smtp.busyWaitSeconds). */
const COMMAND_TIMEOUT_MS = 60_000;
/** The final reply waits for the pipeline (processing.timeoutSeconds); Postfix allows 600 s (lmtp_data_done_timeout). */
const DATA_DONE_TIMEOUT_MS = 600_000;

/**
 * One connection to `intake serve`'s LMTP socket for all messages of one `intake ingest`
 * run. Once the daemon fails to answer, every further message is processed locally.
 */
export class DaemonHandoff {
  private opening: Promise<LmtpClient> | null = null;
  private down = false;

  constructor(
    private readonly socketPath: string,
    /** The RCPT TO when the MTA named no recipient (team.addresses[0]); flagged so the record keeps none. */
    private readonly defaultRecipient: string,
  ) {}

  async deliver(raw: Buffer, envelope: IngestEnvelope): Promise<HandoffResult> {
    if (this.down) return { kind: 'local', reason: 'daemon unreachable' };
    const wire = wireForm(raw);
    if (!wire) return { kind: 'local', reason: 'line endings not representable in LMTP' };
    const addresses = [envelope.sender ?? '', ...envelope.recipients, this.defaultRecipient];
    if (addresses.some((a) => !safeAddress(a))) return { kind: 'local', reason: 'envelope not representable in LMTP' };
    const flags: HandoffFlag[] = [];
    if (wire.lf) flags.push('lf');
    if (envelope.sender === null) flags.push('no-sender');
    if (envelope.recipients.length === 0) flags.push('no-recipient');
    try {
      const client = await this.session();
      return await transaction(client, envelope.sender ?? '', envelope.recipients.length > 0 ? envelope.recipients : [this.defaultRecipient], flags, wire.wire);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.down = true;
      this.close();
      return { kind: 'local', reason: error.message };
    }
  }

  /**
   * Connects, waits for the greeting and says LHLO now, while the caller reads the
   * message: the daemon's answers then cost no time of their own. A failure shows at
   * the first deliver (the message is then processed locally).
   */
  prepare(): void {
    this.session().catch(() => undefined);
  }

  close(): void {
    this.opening?.then(
      (client) => client.close(),
      () => undefined,
    );
    this.opening = null;
  }

  private session(): Promise<LmtpClient> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<LmtpClient> {
    const client = await LmtpClient.connect(this.socketPath, CONNECT_TIMEOUT_MS);
    try {
      const greeting = await client.reply(CONNECT_TIMEOUT_MS);
      if (greeting.code !== 220 || !greeting.text.includes(LMTP_BANNER)) throw new Unreachable('not a csirt-intake LMTP greeting');
      if ((await client.command('LHLO intake-ingest', COMMAND_TIMEOUT_MS)).code !== 250) throw new Unreachable('LHLO refused');
    } catch (error) {
      client.abandon();
      throw error;
    }
    return client;
  }
}

async function transaction(client: LmtpClient, sender: string, recipients: string[], flags: HandoffFlag[], wire: Buffer): Promise<HandoffResult> {
  const mail = await client.command(`MAIL FROM:<${sender}> ${formatHandoffParam(flags)}`, COMMAND_TIMEOUT_MS);
  if (mail.code !== 250) return refusal(client, mail);
  let accepted = 0;
  let tempfail: LmtpReply | null = null;
  let refused: LmtpReply | null = null;
  for (const recipient of recipients) {
    const rcpt = await client.command(`RCPT TO:<${recipient}>`, COMMAND_TIMEOUT_MS);
    if (rcpt.code === 250) accepted++;
    else if (rcpt.code >= 400 && rcpt.code < 500) tempfail = rcpt;
    else refused = rcpt;
  }
  if (tempfail || accepted === 0) return refusal(client, tempfail ?? refused!);
  const data = await client.command('DATA', COMMAND_TIMEOUT_MS);
  if (data.code !== 354) return refusal(client, data);
  client.write(dotStuff(wire));
  // RFC 2033 §4.2: one reply per accepted recipient; ours are all the same.
  const replies: LmtpReply[] = [];
  for (let i = 0; i < accepted; i++) replies.push(await client.reply(DATA_DONE_TIMEOUT_MS));
  const stored = replies.find((r) => r.code === 250);
  if (stored) {
    const verdict = parseStoredReply(stored.text);
    return verdict ? { kind: 'stored', verdict } : { kind: 'stored', verdict: { kind: 'queued' } };
  }
  const temporary = replies.find((r) => r.code >= 400 && r.code < 500);
  return temporary ? { kind: 'tempfail', reply: temporary } : { kind: 'local', reason: `refused: ${replies[0]!.code}` };
}

/** Ends the transaction: 4xx is the daemon's verdict (retry), anything else is decided locally. */
async function refusal(client: LmtpClient, reply: LmtpReply): Promise<HandoffResult> {
  await client.command('RSET', COMMAND_TIMEOUT_MS);
  if (reply.code >= 400 && reply.code < 500) return { kind: 'tempfail', reply };
  return { kind: 'local', reason: `refused: ${reply.code}` };
}

/** What fits between `<` and `>` of a command without changing its meaning. */
function safeAddress(address: string): boolean {
  return !/[\u0000-\u0020<>\u007f]/.test(address) && address.length <= 512;
}
