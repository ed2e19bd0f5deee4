#!/usr/bin/env bash
# The whole test suite: real gpg, sqop, Dovecot, Postfix, PostgreSQL and swaks as peers,
# on loopback only. Two runs: every test on the pinned Node 26 (the npm package `node`,
# first on npm's PATH), then the fast tier (vitest.config.ts) on Node 24, the oldest
# supported line (scripts/node24.sh installs it into a cache directory).
# Extra arguments go to vitest (e.g. a file filter) in both runs. With
# INTAKE_TEST_JSON=FILE the results of both runs are also written there as one JSON
# report (used by .ci/run to count passes and failures).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"
scripts/ensure-test-tools.sh
npm run --silent build
node24="$(scripts/node24.sh)"

json26="" json24=""
if [ -n "${INTAKE_TEST_JSON:-}" ]; then
  json26="$INTAKE_TEST_JSON.node26" json24="$INTAKE_TEST_JSON.node24"
fi
reporters() { [ -n "$1" ] && echo "--reporter=default --reporter=json --outputFile.json=$1" || echo "--reporter=default"; }

status=0
echo "== Node $(node -p process.version): all tests" >&2
# shellcheck disable=SC2046
npx vitest run $(reporters "$json26") "$@" || status=$?
echo "== Node $("$node24" -p process.version): fast tier" >&2
# shellcheck disable=SC2046
"$node24" node_modules/vitest/vitest.mjs run --project fast --passWithNoTests $(reporters "$json24") "$@" || status=$?

if [ -n "${INTAKE_TEST_JSON:-}" ]; then
  node scripts/lib/merge-vitest-json.mjs "$INTAKE_TEST_JSON" "$json26" "$json24"
fi
exit "$status"
