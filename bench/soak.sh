#!/usr/bin/env bash
# Soak: two labs built, pinged and torn down in parallel, over and over, for
# a bounded time; prints the machine's memory, open files, namespaces,
# mounts and lab leftovers at the first and the last iteration, and fails if
# anything grew or was left behind.
# Usage (as root): bench/soak.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-300}
ol="$build/overlaylab"
src=$(cd "$(dirname "$0")/.." && pwd)
labs=(soak-udp soak-vxlan)
trap 'for l in "${labs[@]}"; do "$ol" down "$l" >/dev/null 2>&1 || true; done' EXIT

kb_available() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
open_files() { awk '{print $1}' /proc/sys/fs/file-nr; }
lab_namespaces() { ip netns list | grep -c '^ovl-soak-' || true; }
netns_mounts() { grep -c ' /run/netns/ovl-soak-' /proc/self/mounts || true; }
lab_processes() { pgrep -f -- 'soak-(udp|vxlan)' | grep -vc "^$$\$" || true; }
state() { ls /run/overlaylab 2>/dev/null | grep -c '^soak-' || true; }
# The daemons' resident memory while the labs are up, in KB.
daemons_kb() {
  local total=0 pid kb
  for pid in $(pgrep -x overlayd); do
    grep -q soak- "/proc/$pid/cmdline" 2>/dev/null || continue
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    total=$(( total + ${kb:-0} ))
  done
  echo "$total"
}

cycle() {  # lab backend: one up, ping, down; prints nothing on success
  "$ol" up "$src/scenarios/two-node.xml" --name "$1" --backend "$2" >/dev/null
  "$ol" ping "$1" container-1 container-2 -c 2 -i 0.05 >/dev/null
  [ "$3" = measure ] && daemons_kb >"$tmp/rss-$1"
  "$ol" down "$1" >/dev/null
}

tmp=$(mktemp -d)
row() {
  printf '%-6s %9s %6s %10s %6s %6s %6s %6s\n' "$@"
}
row iter "avail MB" files "daemon KB" netns mounts procs state
end=$(( $(date +%s) + seconds ))
i=0
first="" last=""
while [ "$(date +%s)" -lt "$end" ]; do
  i=$((i + 1))
  cycle soak-udp udp measure & a=$!
  cycle soak-vxlan vxlan measure & b=$!
  wait "$a" || { echo "soak: iteration $i: the udp lab failed" >&2; exit 1; }
  wait "$b" || { echo "soak: iteration $i: the vxlan lab failed" >&2; exit 1; }
  rss=$(( $(cat "$tmp/rss-soak-udp") + $(cat "$tmp/rss-soak-vxlan") ))
  line=$(row "$i" $(( $(kb_available) / 1024 )) "$(open_files)" "$rss" "$(lab_namespaces)" "$(netns_mounts)" \
    "$(lab_processes)" "$(state)")
  [ -z "$first" ] && first=$line && echo "$line"
  last=$line
done
echo "$last"
rm -rf "$tmp"
read -r _ _ files1 rss1 _ mounts1 _ _ <<<"$first"
read -r n _ files2 rss2 ns mounts2 procs st <<<"$last"
[ "$ns" = 0 ] && [ "$procs" = 0 ] && [ "$st" = 0 ] || { echo "soak: labs left something behind" >&2; exit 1; }
printf 'soak: %d iterations of two labs in %d s; open files %d -> %d, daemons %d KB -> %d KB, netns mounts %d -> %d\n' \
  "$n" "$seconds" "$files1" "$files2" "$rss1" "$rss2" "$mounts1" "$mounts2"
