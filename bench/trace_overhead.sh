#!/usr/bin/env bash
# What tracing adds to a probe on the two-node lab, measured side by side in
# one run: N x `overlaylab ping -c 1` against N x `overlaylab trace` (capture
# sockets on every interface, the probe, the snapshot, explain, files).
# Usage (as root): bench/trace_overhead.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-10}
ol="$build/overlaylab"
lab="bench-trace"
out=$(mktemp -d)
trap '"$ol" down "$lab" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

ms() { echo $(( $(date +%s%N) / 1000000 )); }
mean_ms() {  # command...: prints the mean wall time of n runs in ms
  local start end
  start=$(ms)
  for _ in $(seq "$n"); do "$@" >/dev/null; done
  end=$(ms)
  echo $(( (end - start) / n ))
}

start=$(ms)
"$ol" up scenarios/two-node.xml --name "$lab" >/dev/null
up=$(( $(ms) - start ))
ping=$(mean_ms "$ol" ping "$lab" container-1 container-2 -c 1)
trace=$(mean_ms "$ol" trace "$lab" container-1 container-2 --out "$out")
start=$(ms)
"$ol" down "$lab" >/dev/null
down=$(( $(ms) - start ))

printf 'two-node lab: up %d ms, down %d ms\n' "$up" "$down"
printf 'probe, mean of %d: ping %d ms, trace %d ms; tracing adds %d ms per probe\n' \
  "$n" "$ping" "$trace" $(( trace - ping ))
