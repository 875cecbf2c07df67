# deps.sh — the set-up shared by build-aux/run.sh and build-aux/test.sh (sourced, not run).
#
# The one list of Debian 12 packages Digit Lab needs to build, test and fetch its data. Nothing is
# installed, and apt-get is not even run, when dpkg already reports every package installed.

# Build: compiler, meson/ninja, GLib/GTK 4/OpenBLAS/zlib/SQLite headers, check for the tests; libsoup 3,
# json-glib (digitlab-cli's --json output, and parsing it in the tests) and libarchive for downloading
# MNIST (digitlab-cli fetch, the app's Download button), which needs glib-networking (TLS) and
# ca-certificates to reach the registry over HTTPS; rsvg-convert (librsvg2-bin) renders the app icon's PNG.
# Tools: glib-compile-resources/-schemas (libglib2.0-bin), msgfmt (gettext), desktop-file-validate,
# appstreamcli; Xvfb, xauth and xdotool drive the GTK tests headless; imagemagick for screenshots;
# python3-pyatspi reads the app's accessible tree in the AT-SPI test, on a private session bus
# (dbus-run-session: dbus-daemon) with the AT-SPI bus launcher and registry (at-spi2-core);
# libtsan2 for the -Db_sanitize=thread build of the worker tests; clang and libclang-rt-14-dev (libFuzzer,
# the sanitizer runtimes) for the ASan+UBSan build of the suite and the fuzz targets; dpkg-dev, debhelper
# and lintian build and check the Debian package (debian/).
DL_PACKAGES=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libcairo2-dev
  libopenblas-dev libopenblas0-pthread zlib1g-dev libsqlite3-dev check
  libsoup-3.0-dev libjson-glib-dev libarchive-dev glib-networking ca-certificates librsvg2-bin
  gettext desktop-file-utils appstream
  xvfb xauth xdotool imagemagick
  python3-pyatspi dbus-daemon at-spi2-core
  libtsan2 clang libclang-rt-14-dev
  dpkg-dev debhelper lintian
)

DL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

dl_log () { printf '==> %s\n' "$*" >&2; }
dl_die () { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs whatever of DL_PACKAGES dpkg does not report as installed.
dl_install_packages () {
  local pkgs=("${DL_PACKAGES[@]}") missing=() p status
  for p in "${pkgs[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == installed ]] || missing+=("$p")
  done
  if (( ${#missing[@]} == 0 )); then
    dl_log "Debian packages: all ${#pkgs[@]} installed"
    return 0
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || dl_die "not root and no sudo: install ${missing[*]} by hand"
    sudo=(sudo)
  fi
  dl_log "installing missing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Configures a meson build directory once: dl_configure DIR [meson setup options…]
dl_configure () {
  local dir="$1"; shift
  [[ -f "$DL_ROOT/$dir/build.ninja" ]] && return 0
  if [[ -f "$DL_ROOT/$dir/meson-private/coredata.dat" ]]; then
    meson setup --reconfigure "$DL_ROOT/$dir" "$DL_ROOT" "$@"
  else
    meson setup "$DL_ROOT/$dir" "$DL_ROOT" "$@"
  fi
}

# Configures (once) and builds everything in a meson build directory: dl_build DIR [meson setup options…]
dl_build () {
  dl_configure "$@"
  dl_log "building $1"
  meson compile -C "$DL_ROOT/$1"
}

# Puts the four verified MNIST IDX files into the cache (a no-op when they are already there): digitlab-cli
# fetch, built by dl_build before this runs.
dl_fetch_mnist () {
  "$DL_ROOT/build-aux/fetch-mnist.sh"
}

# The whole set-up: packages, build/, MNIST.
dl_setup () {
  dl_install_packages
  dl_build build
  dl_fetch_mnist
}
