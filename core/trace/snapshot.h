// The kernel and daemon state a trace is explained against, taken right
// after the probe: per host, its links, addresses, routes, neighbours and
// bridge FDB, and for nodes what their overlayd knows. Plain data (core/lab
// fills it from netlink and the daemons' status files).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/net/ipv4.h"

namespace ovl::trace {

struct LinkEntry {
  std::string name, kind, master;  // kind: "veth", "bridge", "tun", "vxlan", ...
  std::optional<net::Mac> mac;
};

struct AddrEntry {
  std::string dev;
  net::Cidr addr;
};

struct RouteEntry {
  net::Cidr dst;
  std::optional<net::Ipv4> via, src;
  std::string dev;
  int protocol = 0;  // RTPROT_*: 2 kernel, 3 boot, 4 static
  int scope = 0;     // RT_SCOPE_*: 0 universe, 253 link
  bool onlink = false;
};

struct NeighEntry {
  std::string dev;
  net::Ipv4 ip;
  std::optional<net::Mac> mac;
  std::string state;  // "REACHABLE", "PERMANENT", ...
};

struct FdbEntry {
  std::string dev;     // the port (or VXLAN device)
  std::string master;  // the bridge, for bridge entries
  net::Mac mac;
  std::optional<net::Ipv4> dst;  // VXLAN remote
  bool permanent = false, self = false;
};

struct PeerEntry {
  net::Cidr subnet;
  net::Ipv4 public_ip;
  uint16_t port = 0;
};

struct DaemonState {
  std::string backend;  // "udp", "vxlan", "host-gw"
  net::Cidr lease;
  std::vector<PeerEntry> peers;
  std::string name = "overlayd";  // "flanneld (external)" for a daemon the lab did not start
  // The processes /proc shows holding flannel0 and the UDP port, as
  // "overlayd (pid 4242)"; "" when none was found.
  std::string tun_holder, socket_holder;
  // The peers are the store's leases (an external daemon's own table is
  // out of the lab's sight), not what the daemon reported.
  bool peers_from_store = false;
};

struct HostState {
  std::vector<LinkEntry> links;
  std::vector<AddrEntry> addrs;
  std::vector<RouteEntry> routes;  // main table
  std::vector<NeighEntry> neighbours;
  std::vector<FdbEntry> fdb;
  std::optional<DaemonState> daemon;

  const LinkEntry* link(const std::string& name) const;
  bool owns(net::Ipv4 ip) const;
};

struct Snapshot {
  std::map<std::string, HostState> hosts;
  uint16_t overlay_port = 8285;
  std::string backend = "udp";
};

// Route entries as `ip route` prints them.
std::string format_route(const RouteEntry& r);

}  // namespace ovl::trace
