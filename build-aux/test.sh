#!/usr/bin/env bash
# test.sh — set up as build-aux/run.sh does, then run every test:
#   1. the whole suite in build/ under a virtual X display (the GTK tests need one);
#   2. the worker's thread tests again in build-tsan/, built with ThreadSanitizer;
#   3. the Debian package built, checked with lintian, installed and run (build-aux/deb-test.sh).
# Exits non-zero if any test fails; ends with one "N passed, N failed, N skipped" line for both runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

dl_setup

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
status=0

# Counts from meson test's closing summary ("Ok:  12", "Fail:  0", …) in a saved log.
count () { awk -v k="$2:" '$1 == k || ($1" "$2) == k { n = $NF } END { print n }' "$1"; }
passed=0 failed=0 skipped=0
tally () {
  local ok fail xfail upass timeout skip
  ok=$(count "$1" Ok); fail=$(count "$1" Fail); xfail=$(count "$1" "Expected Fail")
  upass=$(count "$1" "Unexpected Pass"); timeout=$(count "$1" Timeout); skip=$(count "$1" Skipped)
  passed=$(( passed + ${ok:-0} + ${xfail:-0} ))
  failed=$(( failed + ${fail:-0} + ${upass:-0} + ${timeout:-0} ))
  skipped=$(( skipped + ${skip:-0} ))
}

dl_log "meson test -C build (under xvfb-run)"
xvfb-run -a env GDK_BACKEND=x11 meson test -C "$DL_ROOT/build" --print-errorlogs 2>&1 \
  | tee "$logs/main.log" || status=1
tally "$logs/main.log"

# The build targets a suite's tests run (programs and program arguments inside the build directory);
# nothing when the suite does not exist. suite_targets DIR SUITE
suite_targets () {
  meson introspect "$DL_ROOT/$1" --tests | python3 -c '
import json, os, sys
build, suite = os.path.realpath(sys.argv[1]), sys.argv[2]
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] == suite for s in t["suite"]):
        for arg in t["cmd"]:
            path = os.path.realpath(arg) if os.path.isabs(arg) else ""
            if path.startswith(build + os.sep):
                print(os.path.relpath(path, build))' "$DL_ROOT/$1" "$2" | sort -u
}

# The thread tests again under ThreadSanitizer, when the worker suite exists.
if [[ -n "$(suite_targets build worker)" ]]; then
  # Only the worker tests are built with ThreadSanitizer, not the whole project.
  dl_configure build-tsan -Db_sanitize=thread
  # Regenerated first when a meson.build changed, so that the list below knows every test.
  ninja -C "$DL_ROOT/build-tsan" build.ninja >/dev/null
  mapfile -t targets < <(suite_targets build-tsan worker)
  dl_log "building build-tsan: ${targets[*]}"
  ninja -C "$DL_ROOT/build-tsan" "${targets[@]}"
  tsan_opts="halt_on_error=1 second_deadlock_stack=1"
  [[ -f "$DL_ROOT/tests/tsan.supp" ]] && tsan_opts+=" suppressions=$DL_ROOT/tests/tsan.supp"
  dl_log "meson test -C build-tsan --suite worker (TSAN_OPTIONS=$tsan_opts)"
  TSAN_OPTIONS="$tsan_opts" meson test -C "$DL_ROOT/build-tsan" --no-rebuild --suite worker --print-errorlogs 2>&1 \
    | tee "$logs/tsan.log" || status=1
  tally "$logs/tsan.log"
else
  dl_log "no 'worker' test suite yet: skipping the ThreadSanitizer run"
fi

# The Debian package: built from the tree (only what it installs), no lintian errors, installed, its
# window shown from /usr/bin, removed again. One check in the summary.
dl_log "Debian package: build-aux/deb-test.sh (under xvfb-run)"
deb_start=$SECONDS
if xvfb-run -a "$DL_ROOT/build-aux/deb-test.sh"; then
  passed=$(( passed + 1 ))
else
  failed=$(( failed + 1 ))
fi
dl_log "the Debian package check took $(( SECONDS - deb_start )) s"

(( failed == 0 )) || status=1
echo "Summary: $passed passed, $failed failed, $skipped skipped"
exit "$status"
