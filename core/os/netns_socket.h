// A socket created inside another network namespace. A socket stays bound to
// the namespace it was made in, so a process in the host namespace can talk
// to a server that is reachable only inside a lab namespace (etcd on a node's
// underlay address) without moving the process there.
#pragma once

namespace ovl::os {

// socket(domain, type | SOCK_CLOEXEC, protocol) made in netns_fd; the calling
// thread returns to its own namespace before this returns. Throws
// std::system_error naming what failed.
int socket_in_netns(int netns_fd, int domain, int type, int protocol);

}  // namespace ovl::os
