#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive as real peers, when missing:
# GnuPG 2 and 1.4 (gnupg1: GnuPG 1.x-era version-3 signatures) and Sequoia sqop (OpenPGP
# interop), Dovecot (IMAP server), Postfix (the MTA of the pipe and LMTP delivery tests,
# each run its own instance on loopback), swaks (SMTP client),
# openssl (throw-away STARTTLS certificates for the SMTP tests), PostgreSQL (a throwaway
# cluster per store test file: initdb/pg_ctl run as the postgres user via runuser),
# systemd (systemd-analyze verify of deploy/systemd; nothing is started: the package only
# installs the tools in a container), logrotate and procps (/bin/kill, the unit's ExecReload)
# for the deploy/ tests.
# Needs root (or password-less sudo) for apt-get; otherwise says exactly what is missing.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

declare -A package_of=( [gpg]=gnupg [gpg1]=gnupg1 [sqop]=sqop [dovecot]=dovecot-imapd [postfix]=postfix [swaks]=swaks [openssl]=openssl [runuser]=util-linux [systemd-analyze]=systemd [logrotate]=logrotate )
tools=(gpg gpg1 sqop dovecot postfix swaks openssl runuser systemd-analyze logrotate)
missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
# The store's PostgreSQL tests: Debian's server binaries live under /usr/lib/postgresql/<major>/bin.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# `kill` is a shell builtin too: look for the program the systemd unit names.
[ -x /bin/kill ] || missing+=(procps)
# swaks speaks STARTTLS only with Net::SSLeay (a Recommends, which --no-install-recommends skips).
perl -MNet::SSLeay -MIO::Socket::SSL -e1 >/dev/null 2>&1 || missing+=(libnet-ssleay-perl libio-socket-ssl-perl)
if [ ${#missing[@]} -gt 0 ]; then

echo "test tools: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "test tools: missing Debian packages: ${missing[*]}" >&2
  echo "test tools: run as root, or install them: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix: no questions ("No configuration": no main.cf is written), and no system
# Postfix started during the install (policy-rc.d 101 = "not now"), so nothing of this
# machine's takes port 25; the tests start their own instances with their own config.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | "${as_root[@]}" debconf-set-selections
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
    trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
fi
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/intake-apt.log 2>&1; then
  "${as_root[@]}" apt-get update >>/tmp/intake-apt.log 2>&1 || true
  if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/intake-apt.log 2>&1; then
    echo "test tools: apt-get could not install ${missing[*]}; see /tmp/intake-apt.log" >&2
    tail -n 20 /tmp/intake-apt.log >&2
    exit 1
  fi
fi
# The Debian packages start a system Dovecot and PostgreSQL where they can; the tests run their own.
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test tools: $tool still missing after install" >&2; exit 1; }
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "test tools: PostgreSQL initdb still missing after install" >&2; exit 1; }
fi

# Request Tracker for the hand-off tests, last (so an MTA installed above satisfies it);
# it never fails the run: where it cannot be installed, its tests skip and say why.
"$(dirname "$0")/ensure-request-tracker.sh"
