#!/usr/bin/env bash
# run.sh — set up Digit Lab on a fresh Debian 12 machine and start it.
#
# Installs missing Debian packages, builds into build/, fetches and verifies MNIST, then launches the
# app (build/src/app/digitlab) — or, where the app is not built, a command-line training run with live
# progress. Extra arguments go to whichever is launched. Safe to run again: it only does what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

dl_setup

if [[ -x "$DL_ROOT/build/src/app/digitlab" ]]; then
  exec "$DL_ROOT/build/src/app/digitlab" "$@"
fi
exec "$DL_ROOT/build/src/cli/digitlab-cli" train --preset mlp "$@"
