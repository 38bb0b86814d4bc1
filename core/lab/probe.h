// Probes sent by overlaylab from inside a lab host: ICMP echoes, TCP
// handshakes (and transfers) to a listener overlaylab opens in the
// destination, UDP datagrams that its responder there sends back.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/lab/lab.h"
#include "core/os/linux_network_ops.h"
#include "core/os/ping.h"
#include "core/scenario/model.h"

namespace ovl::lab {

struct ProbeOptions {
  int count = 1;
  std::chrono::milliseconds timeout{1000};   // per probe
  std::chrono::milliseconds interval{200};   // between probes
  scenario::ProbeSpec spec;                  // what each probe sends
};

struct ProbeEcho {
  int seq = 0;
  os::EchoResult result;
  std::vector<std::byte> payload;  // ICMP and UDP, as sent; its first kNonceBytes bytes are random
};

struct ProbeReport {
  std::string from, to;
  net::Ipv4 src, dst;  // src: the sender's address (as the kernel chose it, for TCP and UDP)
  std::string answerer;  // the lab host that listens or responds (TCP, UDP), if any
  scenario::ProbeSpec spec;
  uint16_t id = 0;
  std::vector<ProbeEcho> echoes;
  int received() const;
  std::optional<int> reply_ttl() const;  // of the last reply
};

// A host's address as the kernel has it (a container's eth0, a node's
// underlay interface, a router's first leg); to may also be an IPv4 address.
net::Ipv4 host_address(const RunningLab& lab, const std::string& host, os::LinuxNetworkOps& net);

// The lab host that has ip on one of its interfaces, or "" when none has.
std::string host_owning(const RunningLab& lab, net::Ipv4 ip, os::LinuxNetworkOps& net);

// Sends opts.count probes from host `from` to `to`, calling on_echo after each.
ProbeReport probe(const RunningLab& lab, os::LinuxNetworkOps& net, const std::string& from,
                  const std::string& to, const ProbeOptions& opts,
                  const std::function<void(const ProbeReport&, const ProbeEcho&)>& on_echo);

}  // namespace ovl::lab
