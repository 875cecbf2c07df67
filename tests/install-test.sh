#!/usr/bin/env bash
# install-test.sh BUILD_DIR — `meson install` into a temporary DESTDIR, then the installed app, run from
# there under the current X display (test.sh runs the suite under xvfb-run):
#   - binaries, desktop file, AppStream metainfo, icons (scalable, symbolic, PNGs), the GSettings schema
#     and the translations of po/LINGUAS are in place; the desktop file and metainfo validate;
#   - with the schema compiled as a package's trigger would, the installed app finds it (no warning) and
#     its resources, and shows its window;
#   - without an installed schema it says so: it never falls back to the build tree's.
set -euo pipefail

build="$(cd "$1" && pwd)"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
id=io.github.digitlab.DigitLab
tmp="$(mktemp -d)"
app_pid=""
cleanup () { [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail () { echo "install-test: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet
prefix="$(meson introspect "$build" --buildoptions \
  | python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')"
root="$tmp/dest$prefix"
share="$root/share"

for f in bin/digitlab bin/digitlab-cli \
         share/applications/$id.desktop share/metainfo/$id.metainfo.xml \
         share/icons/hicolor/scalable/apps/$id.svg share/icons/hicolor/symbolic/apps/$id-symbolic.svg \
         share/icons/hicolor/48x48/apps/$id.png share/icons/hicolor/128x128/apps/$id.png \
         share/icons/hicolor/256x256/apps/$id.png share/glib-2.0/schemas/$id.gschema.xml \
         share/man/man1/digitlab.1 share/man/man1/digitlab-cli.1; do
  [[ -e "$root/$f" ]] || fail "meson install put no $prefix/$f"
done
while read -r lang; do
  [[ -z "$lang" || "$lang" == \#* ]] && continue
  [[ -e "$share/locale/$lang/LC_MESSAGES/digitlab.mo" ]] || fail "no $lang translation installed"
done < "$src/po/LINGUAS"
echo "install-test: every file in place under $prefix"

desktop-file-validate "$share/applications/$id.desktop"
appstreamcli validate --no-net "$share/metainfo/$id.metainfo.xml" >/dev/null \
  || fail "the installed metainfo does not validate"
"$root/bin/digitlab-cli" presets >/dev/null || fail "the installed digitlab-cli does not run"

# Runs the installed app with only the installed data dirs; prints its stderr when it ends.
run_app () {
  mkdir -p "$tmp/data" "$tmp/home"
  env -u GSETTINGS_SCHEMA_DIR XDG_DATA_DIRS="$share:/usr/share" XDG_DATA_HOME="$tmp/home/data" \
      XDG_CONFIG_HOME="$tmp/home/config" XDG_CACHE_HOME="$tmp/home/cache" GSETTINGS_BACKEND=memory \
      DIGITLAB_DATA="$tmp/data" GDK_BACKEND=x11 NO_AT_BRIDGE=1 "$root/bin/digitlab" 2>"$tmp/stderr" &
  app_pid=$!
}

stop_app () {
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

# Without a compiled schema (as before a package's trigger ran): a clear warning, no build-tree fallback.
run_app
timeout 30 xdotool search --sync --onlyvisible --name '^Digit Lab$' >/dev/null \
  || fail "the installed app showed no window: $(cat "$tmp/stderr")"
stop_app
grep -q "Settings schema $id not found" "$tmp/stderr" \
  || fail "without an installed schema the app did not say so (did it use the build tree's?)"

glib-compile-schemas --strict "$share/glib-2.0/schemas"
run_app
timeout 30 xdotool search --sync --onlyvisible --name '^Digit Lab$' >/dev/null \
  || fail "the installed app showed no window: $(cat "$tmp/stderr")"
sleep 1
kill -0 "$app_pid" 2>/dev/null || fail "the installed app exited: $(cat "$tmp/stderr")"
stop_app
if grep -E "not found|Failed to load|Gtk-CRITICAL|Gtk-WARNING.*(resource|icon)" "$tmp/stderr"; then
  fail "the installed app could not find its schema, resources or icon"
fi
echo "install-test: the installed app found its schema and resources and showed its window"
