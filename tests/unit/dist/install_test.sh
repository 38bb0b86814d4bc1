#!/bin/sh
# `cmake --install` into a DESTDIR lays out bin, share/overlaylab, the manual
# and the completion; the installed overlaylab then validates and draws an
# installed scenario, and finds the shipped ones by name, with no help from
# the build tree (it is found relative to the binary, under any prefix).
# Usage: install_test.sh CMAKE BUILD_DIR PCAPNG (a capture of the udp backend)
set -eu
cmake=$1 build=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

DESTDIR=$root "$cmake" --install "$build" --prefix /usr >"$root/install.log" || fail "cmake --install failed: $(cat "$root/install.log")"
usr=$root/usr
for f in bin/overlaylab bin/overlayd \
         share/overlaylab/scenarios/two-node.xml share/overlaylab/scenarios/overlaylab.xsd \
         share/overlaylab/wireshark/overlaylab.lua \
         share/man/man1/overlaylab.1.gz share/man/man8/overlayd.8.gz share/man/man5/overlaylab-scenario.5.gz \
         share/bash-completion/completions/overlaylab share/doc/overlaylab/README.md; do
  [ -f "$usr/$f" ] || fail "cmake --install did not install $f"
done
[ -x "$usr/bin/overlayd" ] || fail "the installed overlayd is not executable"

scenario=$usr/share/overlaylab/scenarios/two-node.xml
out=$("$usr/bin/overlaylab" validate "$scenario") || fail "installed validate failed: $out"
[ "$out" = "$scenario: scenario 'two-node' is valid (2 nodes, udp backend)" ] || fail "validate said: $out"
# By name: the installed share/overlaylab, not the source tree's scenarios.
out=$(cd "$root" && "$usr/bin/overlaylab" validate three-node) || fail "validate three-node failed: $out"
[ "$out" = "$usr/share/overlaylab/scenarios/three-node.xml: scenario 'three-node' is valid (3 nodes, udp backend)" ] ||
  fail "validate three-node said: $out"

"$usr/bin/overlaylab" graph "$scenario" --out "$root/graph" >/dev/null || fail "installed graph failed"
grep -q '<svg' "$root/graph/topology.svg" || fail "graph wrote no topology.svg"
grep -q 'container-1' "$root/graph/topology.dot" || fail "topology.dot does not draw container-1"

# wireshark-setup puts the plugin where Wireshark looks for a user's Lua
# plugins; tshark then lists it and decodes UDP 8285 without -d.
HOME=$root/home "$usr/bin/overlaylab" wireshark-setup >/dev/null || fail "installed wireshark-setup failed"
cmp -s "$root/home/.local/lib/wireshark/plugins/overlaylab.lua" "$usr/share/overlaylab/wireshark/overlaylab.lua" ||
  fail "wireshark-setup did not copy the installed plugin"
command -v tshark >/dev/null || fail "tshark is not installed (scripts/install-deps installs it)"
HOME=$root/home tshark -G plugins 2>/dev/null | grep -q "overlaylab.lua" || fail "tshark does not list the plugin"
fields=$(HOME=$root/home tshark -r "$3" -Y "udp.port == 8285" -T fields -e ip.src 2>/dev/null | head -1)
[ "$fields" = "172.20.33.102,100.96.1.2" ] || fail "tshark with the plugin set up decodes the udp hop as '$fields'"

"$usr/bin/overlayd" --help | grep -q -- '--etcd-endpoints' || fail "the installed overlayd --help lacks --etcd-endpoints"
echo "install_test: ok ($(du -sh "$usr" | cut -f1) installed)"
