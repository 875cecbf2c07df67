#!/usr/bin/env bash
# deb-test.sh — build the Debian package from the working tree and prove that it installs and runs:
#   1. dpkg-buildpackage -b -us -uc in a copy of the tree (its outputs land beside that copy, not beside
#      the checkout), building only what is installed (debian/rules: -Dtests=false -Dbench=false);
#   2. lintian: any error fails, warnings are printed;
#   3. as root: installed (apt-get, which waits for the dpkg lock; its triggers compile the schema), the
#      installed /usr/bin/digitlab shows its window under the current X display with no missing-schema or
#      resource warning, digitlab-cli runs; then removed, so the machine is left as it was. Not root: the
#      install check is skipped, said so.
# Usage: build-aux/deb-test.sh  (run under a display, e.g. xvfb-run; build-aux/test.sh does)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

tmp="$(mktemp -d)"
app_pid=""
installed=""
# apt-get rather than dpkg: it waits for the dpkg lock (another apt-get on the machine) instead of failing.
apt_quiet () { DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 "$@" >>"$tmp/apt.log" 2>&1; }
cleanup () {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null
  [[ -n "$installed" ]] && apt_quiet remove digitlab
  rm -rf "$tmp"
}
trap cleanup EXIT
fail () { echo "deb-test: $*" >&2; exit 1; }

start=$SECONDS
mkdir "$tmp/src"
(cd "$DL_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/src")
(cd "$tmp/src" && dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$tmp/build.log" 2>&1) \
  || { tail -40 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
deb="$(ls "$tmp"/digitlab_*.deb)"
dl_log "built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $(( SECONDS - start )) s"

lintian_out="$(lintian --tag-display-limit 0 "$tmp"/digitlab_*.changes 2>&1 || true)"
[[ -n "$lintian_out" ]] && echo "$lintian_out"
grep -q '^E: ' <<<"$lintian_out" && fail "lintian reports errors"
dl_log "lintian: $(grep -c '^W: ' <<<"$lintian_out" || true) warnings, no errors"

if [[ "$(id -u)" != 0 ]]; then
  dl_log "not root: the install and run check of the package is skipped"
  exit 0
fi
# One install check at a time on this machine (several worktrees may run this at once).
exec 9>/tmp/digitlab-deb-test.lock
flock 9
if dpkg-query -W -f='${db:Status-Status}' digitlab 2>/dev/null | grep -q installed; then
  fail "a digitlab package is already installed; remove it first (apt-get remove digitlab)"
fi
installed=yes
apt_quiet install "$deb" || { cat "$tmp/apt.log"; fail "installing $(basename "$deb") failed"; }
/usr/bin/digitlab-cli presets >/dev/null || fail "the installed digitlab-cli does not run"
mkdir -p "$tmp/data" "$tmp/home"
XDG_CONFIG_HOME="$tmp/home/config" XDG_CACHE_HOME="$tmp/home/cache" XDG_DATA_HOME="$tmp/home/data" \
  GSETTINGS_BACKEND=memory DIGITLAB_DATA="$tmp/data" GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  /usr/bin/digitlab 2>"$tmp/stderr" &
app_pid=$!
timeout 30 xdotool search --sync --onlyvisible --name '^Digit Lab$' >/dev/null \
  || fail "the installed app showed no window: $(cat "$tmp/stderr")"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""
if grep -E "not found|Failed to load|Gtk-CRITICAL" "$tmp/stderr"; then
  fail "the installed app could not find its schema or resources"
fi
apt_quiet remove digitlab || { cat "$tmp/apt.log"; fail "removing the package failed"; }
installed=""
dl_log "the package installs, runs its window from /usr/bin and removes cleanly ($(( SECONDS - start )) s in all)"
