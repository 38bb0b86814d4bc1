#include "core/os/netns_socket.h"

#include <sys/socket.h>

#include "core/os/fd.h"
#include "core/os/netns.h"

namespace ovl::os {

int socket_in_netns(int netns_fd, int domain, int type, int protocol) {
  NetnsScope scope(netns_fd);
  int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw_errno("creating a socket in another network namespace");
  return fd;
}

}  // namespace ovl::os
