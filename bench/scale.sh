#!/usr/bin/env bash
# How lab size costs, measured side by side in one run. For each size N
# (N nodes of 2 containers, local store, udp):
#   overlaylab up and down of a generated scenario (and their phases);
#   the same shape built by an iproute2 script (`overlaylab plan`'s own
#   commands, one `ip` process each; no daemons), and deleted again;
#   Mininet's `mn --topo linear,N --switch lxbr`, when mn is installed.
# Then the ratios: up(N) / up(first N), and script / up.
# Usage (as root): bench/scale.sh [BUILD_DIR] [SIZES...]   (default 50 100 250)
#   BENCH_STORE=etcd bench/scale.sh build 250    # the etcd store instead
set -euo pipefail
build=${1:-build}
shift || true
sizes=("${@:-50 100 250}")
read -r -a sizes <<<"${sizes[*]}"
ol="$build/overlaylab"
store=${BENCH_STORE:-local}
tmp=$(mktemp -d)
labs=()
cleanup() {
  for l in "${labs[@]}"; do "$ol" down "$l" --quiet >/dev/null 2>&1 || true; done
  if [ -f "$tmp/script-namespaces" ]; then
    while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$tmp/script-namespaces"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# An iproute2 script for the lab's shape: the plan, without its comments,
# run in a scratch directory (its files are relative paths).
script_ms() {  # file lab
  "$ol" plan "$1" --name "$2" | grep -v '^#' | grep -v '^$' >"$tmp/script.sh"
  grep '^ip netns add ' "$tmp/script.sh" | awk '{print $4}' >"$tmp/script-namespaces"
  local start end
  start=$(ms)
  (cd "$tmp" && sh -e script.sh >/dev/null)
  end=$(ms)
  while read -r ns; do ip netns del "$ns"; done <"$tmp/script-namespaces"
  rm -f "$tmp/script-namespaces"
  echo $(( end - start ))
}

mininet_ms() {  # n
  command -v mn >/dev/null || { echo "-"; return; }
  local start end
  start=$(ms)
  mn --topo "linear,$1" --switch lxbr --test none >/dev/null 2>&1 || { echo "failed"; return; }
  end=$(ms)
  mn -c >/dev/null 2>&1 || true
  echo $(( end - start ))
}

printf '%6s %9s %9s %12s %11s %9s %13s\n' nodes "up ms" "down ms" "iproute2 ms" "mininet ms" "up/first" "iproute2/up"
first=""
for n in "${sizes[@]}"; do
  lab="scale-$n"
  "$ol" generate --nodes "$n" --containers 2 --store "$store" --name "$lab" >"$tmp/$lab.xml"
  labs+=("$lab")
  start=$(ms)
  "$ol" up "$tmp/$lab.xml" --quiet --timings >"$tmp/$lab.up"
  up=$(( $(ms) - start ))
  start=$(ms)
  "$ol" down "$lab" --quiet >/dev/null
  down=$(( $(ms) - start ))
  script=$(script_ms "$tmp/$lab.xml" "script-$n")
  mininet=$(mininet_ms "$n")
  [ -z "$first" ] && first=$up
  printf '%6d %9d %9d %12d %11s %9s %13s\n' "$n" "$up" "$down" "$script" "$mininet" \
    "$(awk -v a="$up" -v b="$first" 'BEGIN { printf "%.2fx", a / b }')" \
    "$(awk -v a="$script" -v b="$up" 'BEGIN { printf "%.2fx", a / b }')"
  sed -n '/timings/,$p' "$tmp/$lab.up" | sed "s/^/      /" >"$tmp/$lab.phases"
done
echo
for n in "${sizes[@]}"; do echo "scale-$n $(head -1 "$tmp/scale-$n.phases" | sed 's/^ *//')"; tail -n +2 "$tmp/scale-$n.phases"; done
