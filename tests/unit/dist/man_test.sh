#!/bin/sh
# The generated manual pages: each renders with man -l without a groff
# warning and has a NAME whatis can index; overlaylab(1) has every verb
# `overlaylab --help` lists, with every option its --help lists;
# overlaylab-scenario(5) has every element and attribute of the schema, and
# the schema documents each of them (the page is generated from it).
# Usage: man_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 source=$2
man=$build/share/man
fail() { echo "man_test: $*" >&2; exit 1; }
command -v man >/dev/null || fail "man is not installed (scripts/install-deps installs man-db)"

render() { MANWIDTH=120 LC_ALL=C man --warnings -l "$1" 2>"$1.warnings" | col -b; }
for page in man1/overlaylab.1 man8/overlayd.8 man5/overlaylab-scenario.5; do
  [ -f "$man/$page" ] || fail "$page was not generated"
  text=$(render "$man/$page") || fail "man -l $page failed"
  [ -s "$man/$page.warnings" ] && fail "man -l $page warns: $(cat "$man/$page.warnings")"
  rm -f "$man/$page.warnings"
  [ "$(printf '%s\n' "$text" | wc -l)" -gt 40 ] || fail "$page renders to almost nothing"
  lexgrog "$man/$page" >/dev/null || fail "$page has no NAME section whatis can read"
done

page=$(render "$man/man1/overlaylab.1")
verbs=$("$build/overlaylab" --help | sed -n '/^verbs:/,$ s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(echo "$verbs" | wc -w)" -ge 17 ] || fail "overlaylab --help lists too few verbs: $verbs"
for verb in $verbs; do
  printf '%s\n' "$page" | grep -qx "   $verb" || fail "overlaylab(1) has no section for the verb $verb"
  for option in $("$build/overlaylab" "$verb" --help | sed -n 's/^  \(-[a-zA-Z] \[ \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
    [ "$option" = --help ] && continue
    printf '%s\n' "$page" | grep -q -- "$option" || fail "overlaylab(1) lacks $verb's option $option"
  done
done
for key in labs complete namespaces supervisor nodes overhead_bytes rtt_ms '0' '1' '2'; do
  printf '%s\n' "$page" | grep -qw -- "$key" || fail "overlaylab(1) does not document $key"
done

page=$(render "$man/man8/overlayd.8")
for option in $("$build/overlayd" --help | sed -n 's/^  \(-[a-zA-Z] \[ \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
  [ "$option" = --help ] && continue
  printf '%s\n' "$page" | grep -q -- "$option" || fail "overlayd(8) lacks the option $option"
done

python3 "$source/dist/man/gen-man.py" --check-schema "$source/scenarios/overlaylab.xsd" || fail "the schema is not fully documented"
page=$(render "$man/man5/overlaylab-scenario.5")
xsd=$source/scenarios/overlaylab.xsd
for element in $(sed -n 's/.*<xs:element name="\([a-z-]*\)".*/\1/p' "$xsd"); do
  printf '%s\n' "$page" | grep -qx "   <$element>" || fail "overlaylab-scenario(5) has no section for <$element>"
done
for attribute in $(sed -n 's/.*<xs:attribute name="\([a-z-]*\)".*/\1/p' "$xsd" | sort -u); do
  printf '%s\n' "$page" | grep -q "^       $attribute=" || fail "overlaylab-scenario(5) does not describe the attribute $attribute"
done
echo "man_test: ok"
