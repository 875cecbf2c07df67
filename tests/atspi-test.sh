#!/usr/bin/env bash
# atspi-test.sh APP DUMP — test-atspi.py on a private session bus (dbus-run-session starts it, and the bus
# activates the AT-SPI bus launcher and registry of at-spi2-core), under the X display of the caller
# (test.sh runs the suite under xvfb-run). The Python with pyatspi is Debian's (python3-pyatspi), which
# may not be the first python3 on PATH.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
py=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import pyatspi' 2>/dev/null; then
    py="$candidate"
    break
  fi
done
[[ -n "$py" ]] || { echo "atspi-test: no python3 with pyatspi (Debian: python3-pyatspi)" >&2; exit 1; }
exec dbus-run-session -- "$py" "$here/test-atspi.py" "$@"
