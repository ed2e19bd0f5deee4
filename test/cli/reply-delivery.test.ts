import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptWith, expectSignedByTeam, fixtureKey, fixturePgp } from '../helpers/ack-checks.js';
import { runCli } from '../helpers/cli.js';
import { run } from '../helpers/openpgp-tools.js';
import { encryptedPayload, topHeader } from '../helpers/pgp-mime.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The operator's reply end to end with the built CLI: `intake reply` queues it, `intake
 * serve` delivers it to a loopback relay; gpg and sqop decrypt it with the reporter's key
 * and verify the team's signature; the reporter's answer to it (In-Reply-To, no tag)
 * threads back into the ticket and reopens it when it was closed.
 */
let sink: Sink | null = null;
afterEach(async () => {
  await sink?.close();
  sink = null;
});

describe('intake reply delivered and answered', () => {
  it('is delivered signed and encrypted, and the reporter’s answer threads back and reopens the ticket', async () => {
    sink = await startSink();
    const dir = await tempDir();
    const config = await writeServeConfig(dir, {
      smtp: { enabled: false },
      pgp: fixturePgp(),
      outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, starttls: 'never', pollSeconds: 0.2, retryInitialSeconds: 0.2, retryMaxSeconds: 0.5 },
    });
    const cli = (...args: string[]) => runCli(['--config', config, ...args], { cwd: dir });
    const ingested = await cli('ingest', '--sender', 'alice@example.org', path.join(FIXTURES, 'mail/openpgp/signed-encrypted-mime-plain-cv25519-gpg.eml'));
    const { ticket } = JSON.parse(ingested.stdout) as { ticket: string };
    const body = path.join(dir, 'answer.txt');
    const text = 'Hello Alice,\n\nthank you; we blocked the host at 10:40 UTC.\n\n-- \nXYZ-CERT\n';
    await writeFile(body, text);
    const queued = await cli('reply', ticket, '--file', body, '--require-encryption');
    expect(queued.code, queued.stderr).toBe(0);

    const serve = startServe(dir, config);
    await sink.waitFor(() => sink!.messages.some((m) => /^<reply\./.test(topHeader(m.raw, 'message-id') ?? '')), 60_000);
    const mail = sink.messages.find((m) => /^<reply\./.test(topHeader(m.raw, 'message-id') ?? ''))!;
    expect(mail.rcptTo.map((r) => r.address)).toEqual(['alice@example.org']);
    expect(topHeader(mail.raw, 'in-reply-to')).toBe('<signed-encrypted-mime-plain-cv25519-gpg@fixtures.example>');
    expect(topHeader(mail.raw, 'subject')).toBe(`Re: [${ticket}] Incident report (signed-encrypted-mime-plain-cv25519-gpg)`);

    const alice = fixtureKey('alice');
    const inner = await decryptWith(mail.raw, alice);
    const team = { fingerprint: (await teamFingerprint()), publicKey: (await import('node:fs')).readFileSync(path.join(FIXTURES, 'keys/team.pub.asc'), 'utf8') };
    expect(await expectSignedByTeam(inner, team)).toBe(text);
    const keyFile = path.join(dir, 'alice.sec.asc');
    await writeFile(keyFile, alice.secretKey);
    const bySqop = await run('sqop', ['decrypt', keyFile], encryptedPayload(mail.raw));
    expect(bySqop.code, bySqop.stderr).toBe(0);

    const shownBefore = await cli('tickets', 'show', ticket);
    expect(shownBefore.stdout).toMatch(/reply 1 .* to alice@example\.org signed\+encrypted: sent/);
    expect((await cli('tickets', 'close', ticket, '--note', 'answered')).code).toBe(0);

    // Alice answers the reply: no tag in the Subject, only In-Reply-To.
    const answer = path.join(dir, 'answer.eml');
    await writeFile(
      answer,
      ['From: Alice Reporter <alice@example.org>', 'To: cert@xyz.example', 'Subject: Re: thank you', `In-Reply-To: ${topHeader(mail.raw, 'message-id')}`, 'Message-ID: <alice-answer@example.org>', '', 'Great, thanks!', ''].join('\r\n'),
    );
    const threaded = await cli('ingest', '--sender', 'alice@example.org', answer);
    expect(JSON.parse(threaded.stdout)).toMatchObject({ ticket, seq: 2, status: 'followup' });
    const shown = await cli('tickets', 'show', ticket);
    expect(shown.stdout).toContain(`${ticket}`);
    expect(shown.stdout).toMatch(/reopened .* by follow-up #2/);
    const list = await cli('tickets', 'list', '--status', 'open');
    expect(list.stdout).toContain(ticket);
    serve.child.kill('SIGTERM');
    await serve.exited;
  });
});

async function teamFingerprint(): Promise<string> {
  const result = await run('gpg', ['--with-colons', '--show-keys', path.join(FIXTURES, 'keys', 'team.pub.asc')]);
  return /^fpr:+([0-9A-F]{40}):/m.exec(result.stdout.toString())![1]!;
}
