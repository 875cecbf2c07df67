#!/usr/bin/env bash
# screenshot-de.sh OUT.png [BUILD] — the Train page in German, mid-training: the app (BUILD/src/app/digitlab,
# default build/) under LANGUAGE=de with MNIST from DIGITLAB_DATA, a run started with Ctrl+Return, the window
# taken DL_SHOT_SECONDS (25) later. Run inside xvfb-run; settings in memory, a temporary run store.
set -euo pipefail
out="$1"; build="${2:-build}"
app=""; tmp="$(mktemp -d)"; trap '[[ -n "$app" ]] && kill "$app" 2>/dev/null; rm -rf "$tmp"' EXIT
export LANGUAGE=de LC_ALL=C.UTF-8 GDK_BACKEND=x11 GSETTINGS_BACKEND=memory XDG_DATA_HOME="$tmp" XDG_CONFIG_HOME="$tmp"
"$build/src/app/digitlab" & app=$!
wid=""; for _ in $(seq 100); do wid="$(xdotool search --pid "$app" --onlyvisible 2>/dev/null | head -1)" && [[ -n "$wid" ]] && break; sleep 0.2; done
[[ -n "$wid" ]] || { echo "no window" >&2; exit 1; }
sleep 3
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
xdotool key --window "$wid" ctrl+Return
sleep "${DL_SHOT_SECONDS:-25}"
import -window "$wid" "$out"
