import { defineConfig } from 'vitest/config';

/**
 * Two tiers of one suite. `fast`: tests of the code itself, in-process or with a few
 * short-lived peers (gpg, sqop, swaks, a throwaway PostgreSQL) — what must also pass on
 * the oldest supported Node (24; scripts/test.sh runs this tier there). `full`: the rest
 * — the CLI in child processes, crash and restart runs, Dovecot, Postfix, Request
 * Tracker, the installed package — on the pinned Node 26 only. `vitest run` runs both;
 * a new test file is in `full` until it is listed here.
 */
const FAST = [
  'test/dependencies.test.ts',
  'test/model/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/compose/**/*.test.ts',
  'test/report/**/*.test.ts',
  'test/stats/**/*.test.ts',
  'test/keys/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/openpgp/golden-*.test.ts',
  'test/openpgp/interop*.test.ts',
  'test/openpgp/mime-tree.test.ts',
  'test/openpgp/openpgp-behaviour.test.ts',
  'test/openpgp/packet-walk.test.ts',
  'test/openpgp/rsa-decryption.test.ts',
  'test/openpgp/unjudged-signatures.test.ts',
  'test/openpgp/workers.test.ts',
  'test/pipeline/**/*.test.ts',
  'test/ingest/lmtp-handoff.test.ts',
  'test/cli/ingest-argv.test.ts',
  'test/fs/**/*.test.ts',
  'test/ingest/lmtp-listener.test.ts',
  'test/ingest/smtp-listener.test.ts',
  'test/ingest/smtp-smuggling.test.ts',
  'test/monitor/health.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real servers and child processes; two cores on CI.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'fast', include: FAST } },
      // The full tier drives real daemons and child processes on a shared two-core machine: a
      // test that fails once is run once more. It is never hidden: the end of `npm test`
      // lists every test that passed only on its retry, with its first failure
      // (scripts/lib/merge-vitest-json.mjs).
      { extends: true, test: { name: 'full', include: ['test/**/*.test.ts'], exclude: FAST, retry: 1 } },
    ],
  },
});
