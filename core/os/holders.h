// Which processes hold a node's user-space data path, read from /proc, so a
// trace names the process that really moved the packet (overlayd, flanneld,
// or whatever the user started) instead of assuming it:
//   the TUN device: a process in the namespace with an fd on /dev/net/tun
//                   whose fdinfo says "iff: flannel0";
//   the UDP socket: the inode bound to the port in the namespace's
//                   /proc/net/udp, found among every process's fds.
// Other users' fds are visible to root only; without root nothing is found.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ovl::os {

struct Holder {
  pid_t pid = 0;
  std::string name;  // /proc/<pid>/comm
  std::string str() const { return name + " (pid " + std::to_string(pid) + ")"; }
  bool operator==(const Holder&) const = default;
};

// Every process living in the named network namespace.
std::vector<Holder> netns_processes(const std::string& netns);
// Processes of the named network namespace holding TUN device `device`.
std::vector<Holder> tun_holders(const std::string& netns, const std::string& device);
// Processes holding a UDP socket bound to port in the named namespace.
std::vector<Holder> udp_holders(const std::string& netns, uint16_t port);

// /proc/net/<file> ("udp", "snmp") as the named namespace sees it; "" when
// the namespace is gone.
std::string read_proc_net(const std::string& netns, const std::string& file);

// "overlayd (pid 4242)", several joined with " and ", "" for none.
std::string describe(const std::vector<Holder>& holders);

// The rows of a /proc/net/udp table bound to port: their socket inodes.
std::vector<uint64_t> udp_inodes(const std::string& table, uint16_t port);
// The interface a TUN fd is attached to, from its fdinfo text ("" for none).
std::string tun_iface(const std::string& fdinfo);

}  // namespace ovl::os
