#!/bin/sh
# Runs `overlaylab bench` N times on a scenario and prints each table, with
# the load average before each run: figures taken while the machine is busy
# with something else are not comparable, so look at the load first.
#
#   sudo bench/dataplane.sh [N] [SCENARIO] [overlaylab bench options...]
#   sudo bench/dataplane.sh 3 scenarios/two-node.xml --time 10
#
# OVERLAYLAB names the binary (default: build/overlaylab beside this script).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
scenario=${2:-$here/scenarios/two-node.xml}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
overlaylab=${OVERLAYLAB:-$here/build/overlaylab}
i=1
while [ "$i" -le "$runs" ]; do
  echo "=== run $i of $runs, $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$overlaylab" bench "$scenario" "$@"
  i=$((i + 1))
done
