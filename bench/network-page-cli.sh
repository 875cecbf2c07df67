#!/usr/bin/env bash
# network-page-cli.sh — `digitlab-cli bench` while the app trains, with the app's Network page in view or
# not, alternately (ABBA pairs): what the page takes from the machine, seen from another program.
#   bench/network-page-cli.sh [PAIRS] [BUILD-DIR]      (defaults 3, build)
# Each half: the app starts under its own Xvfb, starts training (Ctrl+Return), shows the Network page
# (Alt+N) or stays on the Train page, then `digitlab-cli bench --preset mlp --json` runs; its
# samples_per_second is printed. Needs Xvfb and xdotool; uses a private XDG_DATA_HOME and settings.
set -euo pipefail
pairs=${1:-3}
build=${2:-build}
cli="$build/src/cli/digitlab-cli"
app="$build/src/app/digitlab"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

half () {   # half open|closed → samples/s
  local disp xpid apid win sps
  for n in $(seq 150 199); do [ -e /tmp/.X11-unix/X$n ] || { disp=:$n; break; }; done
  Xvfb "$disp" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 & xpid=$!
  sleep 1
  DISPLAY=$disp GDK_BACKEND=x11 NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory XDG_DATA_HOME="$tmp" \
    "$app" >/dev/null 2>&1 & apid=$!
  sleep 4
  win=$(DISPLAY=$disp xdotool search --pid $apid 2>/dev/null | tail -1 || true)
  [ -n "$win" ] && DISPLAY=$disp xdotool windowactivate --sync "$win" >/dev/null 2>&1 || true
  DISPLAY=$disp xdotool key ctrl+Return
  sleep 2
  [ "$1" = open ] && DISPLAY=$disp xdotool key alt+n
  sleep 2
  sps=$(XDG_DATA_HOME="$tmp" "$cli" bench --preset mlp --json 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["samples_per_second"]))')
  kill $apid 2>/dev/null || true; wait $apid 2>/dev/null || true
  kill $xpid 2>/dev/null || true; wait $xpid 2>/dev/null || true
  echo "$sps"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(lscpu | sed -n 's/^Model name: *//p')"
ratios=()
for i in $(seq 1 "$pairs"); do
  if (( i % 2 )); then a=$(half open); b=$(half closed); else b=$(half closed); a=$(half open); fi
  r=$(python3 -c "print(f'{$a / $b:.3f}')")
  ratios+=("$r")
  echo "pair $i: Network page open $a samples/s, closed $b (ratio $r)"
done
python3 -c "import statistics,sys; print('median ratio open/closed', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
