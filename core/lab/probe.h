// Probes: ICMP echoes sent by overlaylab from inside a lab host.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/lab/lab.h"
#include "core/os/linux_network_ops.h"
#include "core/os/ping.h"

namespace ovl::lab {

struct ProbeOptions {
  int count = 1;
  std::chrono::milliseconds timeout{1000};   // per echo
  std::chrono::milliseconds interval{200};   // between echoes
};

struct ProbeEcho {
  int seq = 0;
  os::EchoResult result;
  std::vector<std::byte> payload;  // as sent; its first kNonceSize bytes are random
};

inline constexpr size_t kNonceSize = 16;

struct ProbeReport {
  std::string from, to;
  net::Ipv4 dst;
  uint16_t id = 0;
  std::vector<ProbeEcho> echoes;
  int received() const;
  std::optional<int> reply_ttl() const;  // of the last reply
};

// A host's address as the kernel has it (a container's eth0, a node's
// underlay interface, a router's first leg); to may also be an IPv4 address.
net::Ipv4 host_address(const RunningLab& lab, const std::string& host, os::LinuxNetworkOps& net);

// Sends opts.count echoes from host `from` to `to`, calling on_echo after each.
ProbeReport probe(const RunningLab& lab, os::LinuxNetworkOps& net, const std::string& from,
                  const std::string& to, const ProbeOptions& opts,
                  const std::function<void(const ProbeReport&, const ProbeEcho&)>& on_echo);

}  // namespace ovl::lab
