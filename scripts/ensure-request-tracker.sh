#!/usr/bin/env bash
# Installs Debian's Request Tracker 5 with its SQLite driver and the standalone server
# (Starlet), when missing, for the hand-off tests (test/handoff/rt-*.test.ts): each test
# file starts its own RT on a loopback port with a throw-away SQLite database.
#
# Never fails the test run: where the packages cannot be installed (no root, no package
# mirror) it says so, and those tests skip with the same message. Prints how long the
# install took, because CI has one time budget for the whole suite.
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

rt_ready() {
  [ -x /usr/share/request-tracker5/libexec/rt-server ] &&
    command -v rt-setup-database-5 >/dev/null 2>&1 &&
    perl -MDBD::SQLite -MStarlet -e1 >/dev/null 2>&1
}
rt_ready && exit 0

packages=(request-tracker5 rt5-db-sqlite rt5-standalone dbconfig-no-thanks libdbd-sqlite3-perl)
# request-tracker5 needs some mail transport agent. When none is installed, take dma (no
# daemon, nothing listening) rather than letting apt pick exim4, which starts one; a
# Postfix installed for other tests satisfies it already.
[ -x /usr/sbin/sendmail ] || packages+=(dma)

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "request tracker: not installed and no root to install it; its tests are skipped (apt-get install ${packages[*]})" >&2
  exit 0
fi

log=/tmp/intake-apt-rt.log
started=$(date +%s)
echo "request tracker: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
  "${as_root[@]}" apt-get update >>"$log" 2>&1 || true
  "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >>"$log" 2>&1
fi
if rt_ready; then
  echo "request tracker: installed in $(($(date +%s) - started)) s" >&2
else
  echo "request tracker: could not be installed (see $log); its tests are skipped" >&2
  tail -n 5 "$log" >&2
fi
exit 0
