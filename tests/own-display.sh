#!/usr/bin/env bash
# own-display.sh [--screen WxHxD] PROGRAM [ARG…] — runs a test on an X server of its own: an Xvfb (screen
# 1280x1024x24 unless --screen says otherwise) on a display number it picks itself (-displayfd, so two of
# these started at once never race for one, as `xvfb-run -a` can), stopped when the test ends. The tests
# that move the pointer, take the keyboard focus or watch which window has it run this way, so that they
# can run beside each other instead of alone on the suite's shared display. Exits with the test's status.
set -euo pipefail
screen=1280x1024x24
if [[ "${1:-}" == --screen ]]; then
  screen="$2"
  shift 2
fi
(( $# > 0 )) || { echo "usage: own-display.sh [--screen WxHxD] PROGRAM [ARG…]" >&2; exit 2; }

tmp="$(mktemp -d)"
xvfb_pid=""
cleanup () {
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
mkfifo "$tmp/display"
Xvfb -displayfd 3 -screen 0 "$screen" -noreset -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
# Xvfb writes the display number once it accepts clients; end of file instead means it exited.
if ! read -r -t 30 number <"$tmp/display" || [[ -z "$number" ]]; then
  echo "own-display: Xvfb did not start: $(cat "$tmp/xvfb.log")" >&2
  exit 1
fi
status=0
DISPLAY=":$number" GDK_BACKEND=x11 "$@" || status=$?
exit "$status"
