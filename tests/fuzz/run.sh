#!/usr/bin/env bash
# Builds the fuzz targets with clang, libFuzzer, ASan and UBSan in BUILD_DIR,
# and runs each for RUNS inputs (seeded with the committed corpus; what it
# finds goes to a scratch copy, the corpus in git stays as it is).
#
#   tests/fuzz/run.sh BUILD_DIR RUNS
#   tests/fuzz/run.sh build/fuzz 100000     # the longer run
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR RUNS}
runs=${2:?usage: run.sh BUILD_DIR RUNS}
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang++ >/dev/null || { echo "run.sh: clang++ is missing (scripts/install-deps installs it)" >&2; exit 1; }

cmake -S "$src" -B "$build" -G Ninja -DOVERLAYLAB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
corpus() {
  case "$1" in
    scenario) echo "$src/scenarios $src/tests/unit/scenario/broken" ;;
    *) echo "$src/tests/fuzz/corpus/$1" ;;
  esac
}
status=0
for target in scenario decode forwarder formats; do
  mkdir -p "$scratch/$target"
  start=$(date +%s%N)
  # shellcheck disable=SC2046
  if "$build/tests/fuzz/fuzz_$target" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$scratch/$target-" "$scratch/$target" $(corpus "$target") >"$scratch/$target.log" 2>&1; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '%-10s %d runs in %d.%01d s, no crash\n' "$target" "$runs" $((ms / 1000)) $((ms % 1000 / 100))
  else
    status=1
    echo "$target: libFuzzer found a problem:" >&2
    tail -40 "$scratch/$target.log" >&2
    mkdir -p "$build/artifacts"
    cp "$scratch"/"$target"-* "$build/artifacts/" 2>/dev/null && echo "the input that failed is in $build/artifacts/" >&2
  fi
done
exit $status
