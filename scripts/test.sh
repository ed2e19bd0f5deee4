#!/usr/bin/env bash
# The whole test suite: real gpg, sqop, Dovecot and swaks as peers, on loopback only.
# Extra arguments go to vitest (e.g. a file filter). With INTAKE_TEST_JSON=FILE the
# results are also written as JSON (used by .ci/run to count passes and failures).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"
scripts/ensure-test-tools.sh
npm run --silent build
reporters=(--reporter=default)
if [ -n "${INTAKE_TEST_JSON:-}" ]; then
  reporters+=(--reporter=json --outputFile.json="$INTAKE_TEST_JSON")
fi
exec npx vitest run "${reporters[@]}" "$@"
