#!/bin/bash
# The bash completion, driven as bash drives it (COMP_WORDS, COMP_CWORD),
# against the built overlaylab: verbs, options, option values, scenario
# files and shipped names, and the hosts and nodes of a lab, read from a
# state root of the test's own (the root test does it on a running lab).
# Usage: completion_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 source=$2
completion=$source/dist/bash-completion/overlaylab
fail() { echo "completion_test: $*" >&2; exit 1; }

registered=$(bash -c "source '$completion'; complete -p overlaylab") || fail "sourcing the completion failed"
[ "$registered" = "complete -F _overlaylab overlaylab" ] || fail "complete -p overlaylab says: $registered"

state=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$state" "$work"' EXIT
mkdir -p "$state/two-node"
cp "$source/scenarios/routed-underlay.xml" "$state/two-node/scenario.xml"
mkdir "$work/labs" && touch "$work/mine.xml" "$work/notes.txt"

# complete WORD... : what TAB offers after the words (the last one is being
# completed), one a line, sorted.
complete_words() {
  (cd "$work" && OVERLAYLAB_STATE_DIR=$state bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _overlaylab; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$completion" "$build/overlaylab" "$@")
}
expect() {
  local want=$1; shift
  local got; got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$want" ] || fail "overlaylab $* <TAB>: expected '$want', got '$got'"
}

verbs=$(complete_words "")
for verb in validate up exec ping trace step status stop restart compare bench wireshark-setup; do
  echo "$verbs" | grep -qx "$verb" || fail "the verbs offered lack $verb: $verbs"
done
echo "$verbs" | grep -q "__" && fail "hidden verbs are offered: $verbs"
expect "start status step stop" st
expect "--backend --external-timeout --help --name --quiet --timings" up two-node.xml --
expect "host-gw udp vxlan" up two-node.xml --backend ""
expect "fast simple" restart two-node node1 --dataplane ""
expect "--count --df --help --interval --kind --listen --port --size --timeout" ping two-node a b --
expect "icmp tcp udp" trace two-node a b --kind ""
expect "false true" ping two-node a b --df ""
expect "two-node" exec ""
expect "container-1 container-2 node1 node2 r1" exec two-node ""
expect "container-1 container-2" ping two-node -c 3 cont
expect "node1 node2" stop two-node ""
expect "--" exec two-node node1 ""
expect "egress host-gw labs mine.xml mtu routed-underlay tcp-walk three-node two-node vxlan-k8s" validate ""
expect "tcp-walk three-node two-node" up t
expect "labs" graph mine.xml --out ""
echo "completion_test: ok"
