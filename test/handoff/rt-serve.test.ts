import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtClient } from '../../src/handoff/rt-client.js';
import { fixturePgp } from '../helpers/ack-checks.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { RT_CUSTOM_FIELDS, RT_QUEUE, RT_SKIP_MESSAGE, requestTrackerMissing, startRequestTracker, type RequestTracker } from '../helpers/request-tracker.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * csirt-intake in front of Request Tracker, end to end with the built CLI: an encrypted
 * and signed PGP/MIME report made by gpg goes in through `intake ingest`; `intake serve`
 * hands it to Debian's RT 5 (SQLite, rt-server on loopback) as an RT ticket with the
 * decrypted text and the verdicts; the reporter's follow-up becomes correspondence on the
 * same RT ticket; `intake tickets show` names the RT ticket.
 */
const missing = requestTrackerMissing();
if (missing) console.warn(RT_SKIP_MESSAGE(missing));
const ALICE = 'E4A7D13E9392012E88BA501F0B48262379B53BFC';

describe.skipIf(missing !== null)('intake serve hands reports to Request Tracker', () => {
  let rt: RequestTracker;
  beforeAll(async () => {
    rt = await startRequestTracker();
  }, 180_000);
  afterAll(() => rt?.stop());

  it('an encrypted report appears as an RT ticket with the decrypted text and the verdicts, a follow-up as correspondence', async () => {
    const dir = await tempDir();
    const tokenFile = path.join(dir, 'rt.token');
    await writeFile(tokenFile, `${rt.token}\n`, { mode: 0o600 });
    const config = await writeServeConfig(dir, {
      smtp: { enabled: false },
      pgp: fixturePgp(),
      outbound: { pollSeconds: 0.2, retryInitialSeconds: 0.2, retryMaxSeconds: 1 },
      handoff: { rt: { url: rt.url, queue: RT_QUEUE, tokenFile, customFields: { ...RT_CUSTOM_FIELDS } } },
    });
    const ingest = async (file: string) => {
      const result = await runCli(['--config', config, 'ingest', '--sender', 'alice@example.org', file], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trim()) as { ticket: string; seq: number };
    };
    const report = await ingest(path.join(FIXTURES, 'mail/openpgp/signed-encrypted-mime-plain-cv25519-gpg.eml'));

    const serve = startServe(dir, config);
    await serve.waitForLine((l) => l.msg === 'handoff delivered' && l.ticket === report.ticket, 'the RT hand-off', 90_000);
    const shown = await runCli(['--config', config, 'tickets', 'show', report.ticket], { cwd: dir });
    const rtId = Number(/request tracker: ticket #(\d+)/.exec(shown.stdout)?.[1]);
    expect(rtId, shown.stdout).toBeGreaterThan(0);

    const client = new RtClient({ url: rt.url, auth: { kind: 'token', token: rt.token } });
    const ticket = await client.readTicket(rtId);
    expect(ticket.subject).toBe(`[${report.ticket}] Incident report (signed-encrypted-mime-plain-cv25519-gpg)`);
    expect(ticket.customFields).toMatchObject({
      [RT_CUSTOM_FIELDS.ticket]: [report.ticket],
      [RT_CUSTOM_FIELDS.signedBy]: [ALICE],
      [RT_CUSTOM_FIELDS.signature]: ['valid (whole)'],
      [RT_CUSTOM_FIELDS.fromMatchesSigner]: ['yes'],
      [RT_CUSTOM_FIELDS.encryption]: ['decrypted (pgp-mime)'],
    });
    let history = await client.history(rtId);
    expect(history.find((t) => t.type === 'Create')?.texts.join('')).toContain('MARKER-signed-encrypted-mime-plain-cv25519-gpg');
    expect(JSON.stringify(history)).not.toContain('BEGIN PGP');
    expect(history.find((t) => t.type === 'Comment')?.texts.join('')).toContain(`signer ${ALICE}: valid`);

    const followUp = path.join(dir, 'follow-up.eml');
    const raw = (await readFile(path.join(FIXTURES, 'mail/openpgp/signed-encrypted-mime-plain-cv25519-gpg.eml'), 'utf8')).split('\n')[0];
    await writeFile(
      followUp,
      [raw, 'To: cert@xyz.example', `Subject: Re: [${report.ticket}] more hosts`, 'Message-ID: <follow-up-rt@example.org>', '', 'Now also 198.51.100.9, same pattern.', ''].join('\r\n'),
    );
    const second = await ingest(followUp);
    expect(second).toMatchObject({ ticket: report.ticket, seq: 2 });
    await serve.waitForLine((l) => l.msg === 'handoff delivered' && l.event === 'message.added', 'the follow-up hand-off', 90_000);
    history = await client.history(rtId);
    expect(history.filter((t) => t.type === 'Correspond').map((t) => t.texts.join('').trim())).toEqual(['Now also 198.51.100.9, same pattern.']);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});
