#!/usr/bin/env bash
# run.sh — runs the libFuzzer targets of a -Dfuzzing=true build on their corpora.
#
#   tests/fuzz/run.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [TARGET…]
#
# Each target (default: all of them) runs SECONDS (default 20) from its seeds (made by make-corpus.py)
# and the corpus earlier runs grew in BUILD_DIR/fuzz/corpus/TARGET, JOBS targets at a time (default 1).
# A crash, leak, sanitizer report, timeout (10 s per input) or out-of-memory fails the target; its input
# is kept in BUILD_DIR/fuzz/artifacts/. Prints one line per target — executions, coverage (libFuzzer's
# cov: counter), corpus size — and exits non-zero when any target failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds=20 jobs=1 build="$root/build-asan"
while getopts "t:j:b:" opt; do
  case "$opt" in
    t) seconds="$OPTARG" ;;
    j) jobs="$OPTARG" ;;
    b) build="$(cd "$OPTARG" && pwd)" ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  mapfile -t targets < <(find "$build/tests/fuzz" -maxdepth 1 -type f -executable -name 'fuzz-*' -printf '%f\n' | sort)
fi
(( ${#targets[@]} > 0 )) || { echo "run.sh: no fuzz targets in $build/tests/fuzz (configure with -Dfuzzing=true)" >&2; exit 2; }

work="$build/fuzz"
mkdir -p "$work/artifacts" "$work/logs"
rm -rf "$work/seeds"
python3 "$here/make-corpus.py" "$work/seeds"

# The dictionary of a target, when it has one: fuzz-idx-gz shares fuzz-idx's.
dict_for () {
  local base="${1#fuzz-}"; base="${base%-gz}"
  [[ -f "$here/$base.dict" ]] && echo "-dict=$here/$base.dict"
}

run_one () {
  local t="$1" log="$work/logs/$1.log"
  mkdir -p "$work/corpus/$t"
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$t-" $(dict_for "$t") "$work/corpus/$t" "$work/seeds/$t" >"$log" 2>&1
  local rc=$?
  local execs cov corp
  execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
  corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | awk '{ print $2 }')
  if (( rc == 0 )); then
    printf 'fuzz %-16s OK    %s executions in %s s, cov %s, corpus %s\n' "$t" "${execs:-?}" "$seconds" "${cov:-?}" "${corp:-?}"
  else
    printf 'fuzz %-16s FAIL  (exit %d) after %s executions; log %s\n' "$t" "$rc" "${execs:-?}" "$log"
    grep -m 12 -E 'ERROR|runtime error|assertion failed|SUMMARY|Test unit written' "$log" | sed 's/^/    /'
  fi
  return "$rc"
}

status=0
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if (( running >= jobs )); then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while (( running > 0 )); do
  wait -n || status=1
  running=$((running - 1))
done
exit "$status"
