import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { fixturePgp } from '../helpers/ack-checks.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

/** The hand-off's configuration: what the schema refuses and what `config check` finds (as serve would at start). */
describe('handoff configuration', () => {
  it('config check names a missing or short webhook secret and a missing RT token, like serve at start', async () => {
    const dir = await tempDir();
    const short = path.join(dir, 'short.secret');
    await writeFile(short, 'tooshort');
    const config = await writeCliConfig(dir, {
      pgp: fixturePgp(),
      handoff: {
        webhooks: [{ url: 'https://soar.example/hook', secretFile: path.join(dir, 'missing.secret') }, { url: 'https://chat.example/hook', secretFile: short }],
        rt: { url: 'https://rt.example/', queue: 'Incident Reports' },
      },
    });
    const result = await runCli(['--config', config, 'config', 'check'], { cwd: dir, env: { INTAKE_RT_TOKEN: '' } });
    expect(result.code).toBe(78);
    const out = result.stdout + result.stderr;
    expect(out).toMatch(/handoff\.webhooks\.0\.secretFile: cannot read handoff\.webhooks secretFile/);
    expect(out).toMatch(/handoff\.webhooks\.1\.secretFile: .*at least 16 characters/);
    expect(out).toMatch(/handoff\.rt: handoff\.rt needs an auth token/);
    const withToken = await runCli(['--config', config, 'config', 'check'], { cwd: dir, env: { INTAKE_RT_TOKEN: '1-14-abc' } });
    expect(withToken.stdout + withToken.stderr).not.toMatch(/handoff\.rt:/);
  });

  it('refuses URLs with credentials, unknown events, and a lease shorter than a delivery', async () => {
    const dir = await tempDir();
    const bad = (handoff: unknown) => () => testConfig(dir, { handoff } as never);
    expect(bad({ webhooks: [{ url: 'https://user:pw@soar.example/', secretFile: 'x' }] })).toThrow(/without user or password/);
    expect(bad({ webhooks: [{ url: 'ftp://soar.example/', secretFile: 'x' }] })).toThrow(/http/);
    expect(bad({ webhooks: [{ url: 'https://soar.example/', secretFile: 'x', events: ['ticket.deleted'] }] })).toThrow();
    expect(bad({ webhooks: [{ url: 'https://soar.example/', secretFile: 'x', timeoutSeconds: 60 }], leaseSeconds: 30 })).toThrow(/leaseSeconds|longer than one delivery/);
    expect(bad({ rt: { url: 'https://rt.example/', queue: 'Q', tokenFile: 't', user: 'u' } })).toThrow(/not both/);
    expect(testConfig(dir, { handoff: { rt: { url: 'https://rt.example/', queue: 'Q', tokenFile: 't' } } } as never).handoff.rt?.customFields.ticket).toBeNull();
  });
});
