import { describe, expect, it } from 'vitest';
import { ticketEvents } from '../../src/store/ticket-events.js';
import { runCli } from '../helpers/cli.js';
import { cliConfigFor } from '../helpers/store-cli.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';

/** `intake tickets close|reopen` on both store engines, with the built CLI. */
const engines = storeEngines();

describe.each(engines)('intake tickets close|reopen: $name', (engine) => {
  it('closes with a note, says so when nothing changes, reopens; the history keeps both', async () => {
    const { store } = await engine.fresh();
    const { ticket } = await seedMessage(store, { body: 'report' });
    const { dir, config } = await cliConfigFor(store);
    const cli = (...args: string[]) => runCli(['--config', config, 'tickets', ...args], { cwd: dir });

    const closed = await cli('close', ticket.toLowerCase(), '--note', 'blocked at the border firewall');
    expect([closed.code, closed.stdout.trim()]).toEqual([0, `${ticket} closed`]);
    expect((await store.tickets.get(ticket))?.status).toBe('closed');
    expect((await cli('close', ticket)).stdout.trim()).toBe(`${ticket} is already closed`);
    expect((await cli('reopen', ticket)).stdout.trim()).toBe(`${ticket} open`);
    expect((await store.tickets.get(ticket))?.status).toBe('open');
    expect((await cli('close', ticket)).code).toBe(0);
    const stats = await runCli(['--config', config, 'stats', '--json'], { cwd: dir });
    expect(JSON.parse(stats.stdout).lifecycle).toMatchObject({ open: 0, closed: 1, timeToClose: { count: 1 } });
    expect((await runCli(['--config', config, 'stats'], { cwd: dir })).stdout).toMatch(/tickets: 0 open, 1 closed; time to close: median [\d.]+ h/);
    const listed = await runCli(['--config', config, 'tickets', 'list', '--status', 'closed'], { cwd: dir });
    expect(listed.stdout.split('  ')[0]).toBe(ticket);
    expect((await runCli(['--config', config, 'tickets', 'list', '--status', 'open'], { cwd: dir })).stdout).toBe('');
    expect((await runCli(['--config', config, 'tickets', 'list', '--status', 'resolved'], { cwd: dir })).code).toBe(64);
    const history = (await ticketEvents(store.sql, ticket)).slice(0, 3);
    expect(history.map((e) => [e.kind, e.reason, e.note])).toEqual([
      ['ticket.created', null, null],
      ['ticket.closed', 'operator', 'blocked at the border firewall'],
      ['ticket.reopened', 'operator', null],
    ]);
  });

  it('refuses foreign ids, unknown tickets and notes with control characters', async () => {
    const { store } = await engine.fresh();
    const { dir, config } = await cliConfigFor(store);
    const cli = (...args: string[]) => runCli(['--config', config, 'tickets', ...args], { cwd: dir });
    expect((await cli('close', 'ABC-2026-00001')).code).toBe(64);
    expect((await cli('close', 'XYZ-2026-00077')).code).toBe(66);
    const { ticket } = await seedMessage(store, { body: 'x' });
    const hostile = await cli('close', ticket, '--note', 'ok\u001b[2J');
    expect(hostile.code).toBe(64);
    expect((await store.tickets.get(ticket))?.status).toBe('open');
  });
});
