// The kernel and daemon state a trace is explained against, taken right
// after the probe: per host, its links, addresses, routes, neighbours and
// bridge FDB, its nat rules and conntrack entries, and for nodes what their
// overlayd knows; and what the wire beyond each underlay interface carries.
// Plain data (core/lab fills it from netlink, nftables, /proc and the
// daemons' status files).
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
  int mtu = 0;
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

// An address match of an nft rule: `ip saddr 100.96.0.0/16`, or with != .
struct AddrMatch {
  net::Cidr cidr;
  bool negate = false;
  bool matches(net::Ipv4 ip) const { return cidr.contains(ip) != negate; }
};

// A rule of a nat chain on the postrouting hook, as far as the explainer
// evaluates it: address matches, a mark match, and the verdict.
struct NatRule {
  std::string table, chain;  // "ip flannel-ipv4", "postrtg"
  std::string text;          // as `nft list` prints it
  std::optional<AddrMatch> saddr, daddr;
  std::optional<uint32_t> mark;  // meta mark == mark
  std::string verdict;           // "return", "accept", "masquerade", "snat", "drop", ...
  bool understood = true;        // false: it holds a match the explainer cannot evaluate
};

// One connection the kernel tracks: the tuple of the packet that opened it
// and the tuple its answers carry (after NAT, the two differ).
struct Tuple {
  net::Ipv4 src, dst;
  uint16_t sport = 0, dport = 0;  // ports, or for ICMP the id in both
};
struct ConntrackEntry {
  std::string protocol;  // "icmp", "tcp", "udp"
  Tuple original, reply;
  std::string text;  // the entry as /proc/net/nf_conntrack shows it, without the family columns
  bool natted() const { return original.src != reply.dst || original.sport != reply.dport; }
};

// Parses one line of /proc/net/nf_conntrack; nullopt for other families or
// lines it cannot read.
std::optional<ConntrackEntry> parse_conntrack(const std::string& line);

struct HostState {
  std::vector<LinkEntry> links;
  std::vector<AddrEntry> addrs;
  std::vector<RouteEntry> routes;  // main table
  std::vector<NeighEntry> neighbours;
  std::vector<FdbEntry> fdb;
  std::vector<NatRule> nat;  // postrouting nat chains' rules, chain by chain in order
  std::vector<ConntrackEntry> conntrack;
  std::optional<DaemonState> daemon;

  const LinkEntry* link(const std::string& name) const;
  bool owns(net::Ipv4 ip) const;
};

// What carries frames beyond a host's underlay interface: its port on the
// segment's bridge, whose MTU is what the wire takes.
struct Wire {
  std::string segment, port;
  int mtu = 0;
};

struct Snapshot {
  std::map<std::string, HostState> hosts;
  std::map<std::string, Wire> wires;  // by "host:iface"
  uint16_t overlay_port = 8285;
  std::string backend = "udp";
};

// Route entries as `ip route` prints them.
std::string format_route(const RouteEntry& r);

}  // namespace ovl::trace
