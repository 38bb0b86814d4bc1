#!/bin/sh
# Usage: check-layers.sh FOLDER FILE...
# Fails when a file of FOLDER includes a header of a folder at the same or a
# higher layer. The layers, lowest first (a folder may include its own
# headers and those of any lower layer):
#
#   0 core/util      files
#   1 core/net       addresses, packets, the data path's I/O interfaces
#   2 core/scenario  scenario model, validation, the plan and NetworkOps
#   3 core/trace     traces          core/overlay  overlayd's pure core
#   4 core/os        the kernel boundary
#   5 core/daemon    overlayd on a host: backends, lease stores
#   6 core/lab       lab lifecycle   viz           diagrams
#   7 programs/*     overlaylab and overlayd
set -eu
rank() {
  case "$1" in
    core/util) echo 0 ;;
    core/net) echo 1 ;;
    core/scenario) echo 2 ;;
    core/trace|core/overlay) echo 3 ;;
    core/os) echo 4 ;;
    core/daemon) echo 5 ;;
    core/lab|viz) echo 6 ;;
    programs/*) echo 7 ;;
    *) echo "" ;;
  esac
}
folder=$1
shift
mine=$(rank "$folder")
if [ -z "$mine" ]; then
  echo "error: $folder has no layer; add it to cmake/check-layers.sh" >&2
  exit 1
fi
status=0
for file in "$@"; do
  grep -n '^#include "' "$file" | { bad=0; while IFS= read -r hit; do
    line=${hit%%:*}
    header=$(printf '%s\n' "$hit" | sed 's/^[0-9]*:#include "\([^"]*\)".*/\1/')
    target=${header%/*}
    [ "$target" = "$header" ] && continue  # a header beside the file
    [ "$target" = "$folder" ] && continue
    theirs=$(rank "$target")
    if [ -z "$theirs" ]; then
      echo "$file:$line: error: $folder includes $header, from $target, which has no layer in cmake/check-layers.sh" >&2
      bad=1
      continue
    fi
    if [ "$theirs" -ge "$mine" ]; then
      echo "$file:$line: error: $folder (layer $mine) includes $header from $target (layer $theirs); a folder may include only lower layers" >&2
      bad=1
    fi
  done; exit $bad; } || status=1
done
exit $status
