#!/usr/bin/env bash
# Regenerates docs/ from scratch: builds the two-node lab, records what a
# student would type and see (routes, subnet.env, etcd's keys, the trace, its
# diagrams and its walk), tears the lab down, and fills
# docs/src/walkthrough.md.in.
#
# Usage, as root, from the repository: docs/generate.sh [BUILD_DIR] [OUT_DIR]
# (OUT_DIR defaults to docs/; tests write elsewhere to compare with it).
set -euo pipefail
build=$(realpath "${1:-build}")
out=$(realpath -m "${2:-docs}")
here=$(cd "$(dirname "$0")" && pwd)
ol="$build/overlaylab"
lab=two-node

rm -rf "$out/figures" "$out/walkthrough.md"
mkdir -p "$out/figures"
work=$(mktemp -d)
trap '"$ol" down "$lab" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$ol" up "$here/../scenarios/two-node.xml" > "$work/up.txt"
x() { "$ol" exec "$lab" "$@"; }
x container-1 -- ip route > "$work/route-container-1.txt"
x node1 -- ip route > "$work/route-node1.txt"
x node2 -- ip route > "$work/route-node2.txt"
x node1 -- ip route get 100.96.2.3 > "$work/route-get-node1.txt"
x node1 -- ip -d link show flannel0 | sed -E 's/^[0-9]+: //' > "$work/link-flannel0.txt"
x node1 -- etcdctl get --prefix /coreos.com/network > "$work/etcd.txt"
cp "${OVERLAYLAB_STATE_DIR:-/run/overlaylab}/$lab/nodes/node1/run/flannel/subnet.env" "$work/subnet-env.txt"
(cd "$out" && "$ol" trace "$lab" container-1 container-2 --name p1 --out figures) > "$work/trace.txt"
# The terminal's walk of a second probe: hop 5's screen, less its timing and bytes.
"$ol" step "$lab" container-1 container-2 --name p1 --out "$work/step" |
  awk '/^hop 5 of /{on=1} /^captured bytes/{on=0} on && !/ after hop /' > "$work/step-hop5.txt"
"$ol" status "$lab" | grep -v -E 'since|expires' > "$work/status.txt" || true
tshark -r "$out/figures/trace-p1.pcapng" -d udp.port==8285,ip -T fields \
  -e frame.interface_name -e ip.src -e ip.dst 2>/dev/null > "$work/tshark.txt"
"$ol" down "$lab" > /dev/null

# Fill the template: @name@ becomes the recorded file name.txt.
python3 - "$here/src/walkthrough.md.in" "$work" "$out/walkthrough.md" <<'PY'
import pathlib, re, sys
template, work, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
text = template.read_text()
def fill(m):
    return (work / (m.group(1) + ".txt")).read_text().rstrip("\n")
target.write_text(re.sub(r"@([a-z0-9-]+)@", fill, text))
PY
echo "regenerated $out/walkthrough.md and $out/figures/"
