#!/usr/bin/env bash
# relay-front: checks what `mailway serve`'s interop tests (crates/cli/tests/serve/) need before
# cargo runs: Debian's Postfix (private instances are started by the tests themselves, under a
# temporary directory, never the system-wide one), swaks with STARTTLS (Net::SSLeay), curl,
# root for tmpfs mounts (disk-full test), and the default ports 2525/8025 free (the no-arguments
# test). Installs nothing: packages come from .ci/apt-packages.txt. Fails early with a clear message.
set -euo pipefail
fail() { echo "relay setup: $*" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"
for tool in postfix postconf swaks curl mount; do
  command -v "$tool" >/dev/null || fail "$tool is missing (see .ci/apt-packages.txt)"
done
[ -f /etc/postfix/master.cf ] || [ -f /usr/share/postfix/master.cf.dist ] \
  || fail "no Postfix master.cf template"
id postfix >/dev/null 2>&1 || fail "the postfix user does not exist"
getent group postdrop >/dev/null || fail "the postdrop group does not exist"
perl -MNet::SSLeay -e1 2>/dev/null || fail "swaks --tls needs Net::SSLeay (libnet-ssleay-perl)"
[ "$(id -u)" = 0 ] || fail "the interop and disk-full tests need root"
# the system-wide Postfix is not needed; make sure it is not holding the ports the tests use
for port in 2525 8025; do
  if ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
    fail "127.0.0.1:$port is taken; the default-ports test of mailway serve needs it"
  fi
done
echo "relay setup: postfix $(postconf -d -h mail_version 2>/dev/null), swaks, curl ready"
