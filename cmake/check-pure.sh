#!/bin/sh
# Usage: check-pure.sh LIBRARY.a
# Fails if the library references a symbol that talks to the kernel's network
# stack, namespaces or devices (see cmake/PureLibrary.cmake).
set -eu
denied='socket socketpair bind connect listen accept accept4 send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg setsockopt getsockopt ioctl setns unshare mount umount umount2 clone fork vfork execve execvp if_nametoindex if_indextoname'
undefined=$(nm -u --format=posix "$1" 2>/dev/null | awk '{print $1}' | sort -u)
bad=""
for sym in $denied; do
  if printf '%s\n' "$undefined" | grep -qx "$sym"; then bad="$bad $sym"; fi
done
if printf '%s\n' "$undefined" | grep -q '^\(nl_\|rtnl_\|nla_\|nlmsg_\)'; then bad="$bad libnl"; fi
if [ -n "$bad" ]; then
  echo "error: $1 is a pure library but calls the kernel:$bad" >&2
  echo "       move that code to core/os/ and pass it in through an interface" >&2
  exit 1
fi
