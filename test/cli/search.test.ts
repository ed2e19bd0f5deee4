import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliConfigFor } from '../helpers/store-cli.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';

/** `intake search` as an operator runs it, on both store engines. */
const engines = storeEngines();

describe.each(engines)('intake search: $name', (engine) => {
  it('finds tickets by CIDR (not the neighbouring network), words and identifiers, newest first; --json', async () => {
    const { store } = await engine.fresh();
    const inside = await seedMessage(store, { body: 'scan from 203.0.113.77', receivedAt: '2026-11-01T10:00:00.000Z', indicators: { ips: ['203.0.113.77'] } });
    const newer = await seedMessage(store, { body: 'also 203.0.113.5 and phishing kit', receivedAt: '2026-11-02T10:00:00.000Z', from: 'bob@example.net', indicators: { ips: ['203.0.113.5'] } });
    await seedMessage(store, { body: 'neighbour 203.0.114.5', receivedAt: '2026-11-03T10:00:00.000Z', from: 'carol@example.net', indicators: { ips: ['203.0.114.5'] } });
    const { dir, config } = await cliConfigFor(store);

    const cidr = await runCli(['--config', config, 'search', '203.0.113.0/24'], { cwd: dir });
    expect(cidr.code, cidr.stderr).toBe(0);
    expect(cidr.stdout.trim().split('\n').map((l) => l.split('  ')[0])).toEqual([newer.ticket, inside.ticket]);
    expect(cidr.stdout).toContain('ip 203.0.113.77 #1');

    const json = await runCli(['--config', config, 'search', '--json', 'phishing kit', '203.0.113.5'], { cwd: dir });
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => [l.ticket, l.status, l.reporter])).toEqual([[newer.ticket, 'open', 'bob@example.net']]);
    expect(lines[0]!.matches.map((m: { kind: string }) => m.kind).sort()).toEqual(['ip', 'text']);

    const none = await runCli(['--config', config, 'search', '198.51.100.0/24'], { cwd: dir });
    expect([none.code, none.stdout, none.stderr.trim()]).toEqual([0, '', 'no tickets match']);
    const usage = await runCli(['--config', config, 'search', '--limit', 'lots', 'x'], { cwd: dir });
    expect(usage.code).toBe(64);
  });

  it('prints what a hostile report controls escaped: no ANSI, no bidi override, no NUL reaches the terminal', async () => {
    const { store } = await engine.fresh();
    await seedMessage(store, { body: 'hostile 192.0.2.66', subject: 'pay \u001b[2J\u001b[31mnow\u202e\u0000gnp.exe', from: 'x@example.org', indicators: { ips: ['192.0.2.66'] } });
    const { dir, config } = await cliConfigFor(store);
    const result = await runCli(['--config', config, 'search', '192.0.2.66'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000\u001b\u202e]/);
    expect(result.stdout).toContain('pay \\u001b[2J\\u001b[31mnow\\u202e\\u0000gnp.exe');
  });
});
