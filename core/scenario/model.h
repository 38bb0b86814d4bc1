// The scenario model: what a scenario file says, with defaults filled in.
// Inert data; parse.h builds it, validate.h checks it, plan.h turns it into
// kernel objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/net/ipv4.h"

namespace ovl::scenario {

struct Pos {
  int line = 0, col = 0;
  auto operator<=>(const Pos&) const = default;
};

struct Segment {
  std::string name;
  net::Cidr cidr;  // canonical network
  int mtu = 1500;
  std::optional<net::Ipv4> gateway;
  Pos pos;
  bool complete = true;  // false when an attribute failed to parse
};

struct Attach {
  std::string segment;
  net::Ipv4 ip;
  std::string iface;  // inside the router; default "eth<index>"
  Pos pos;
  bool complete = true;
};

struct Router {
  std::string name;
  std::vector<Attach> attaches;
  Pos pos;
};

enum class Backend { udp, vxlan, host_gw };
enum class Store { etcd, local };
enum class Runtime { docker, cni };
// Who runs the node's overlay daemon: the lab (overlayd, supervised), or
// the user (flanneld, or overlayd started by hand), whom the lab tells how.
enum class Daemon { overlayd, external };

const char* to_string(Backend b);
const char* to_string(Store s);
const char* to_string(Runtime r);
const char* to_string(Daemon d);

// Flannel's port for the backend when none is given: 8285 for udp, 8472
// (the Linux VXLAN default) for vxlan; host-gw has none but keeps udp's.
uint16_t default_port(Backend b);

struct Overlay {
  net::Cidr network;
  int subnet_len = 24;
  Backend backend = Backend::udp;
  uint16_t port = 8285;
  uint32_t vni = 1;
  Store store = Store::etcd;
  std::string etcd_node;  // defaults to the first node
  bool etcd_node_given = false;
  bool ip_masq = false;
  Pos pos;
  bool complete = false;  // true once a valid <overlay> was read
};

struct Container {
  std::string name;
  std::optional<net::Ipv4> ip;  // absent: IPAM chooses
  Pos pos;
  bool complete = true;
};

struct Node {
  std::string name;
  std::string segment;
  net::Ipv4 ip;
  std::string iface = "eth0";
  // The MTU the node's interface is set to; the segment's when absent. One
  // above the segment's is a node that believes in frames its underlay
  // cannot carry (scenarios/mtu.xml).
  std::optional<int> mtu;
  std::optional<net::Cidr> subnet;  // pinned lease
  Runtime runtime = Runtime::docker;
  Daemon daemon = Daemon::overlayd;
  std::vector<Container> containers;
  Pos pos;
  bool complete = true;

  bool external() const { return daemon == Daemon::external; }
};

// How status, traces and diagrams name a node's daemon: "overlayd", or
// "flanneld (external)" for one the lab did not start.
const char* daemon_name(const Node& node);

// A host on the underlay that is not part of the cluster: no overlayd, no
// containers, no route to the overlay. Something outside, as the internet is.
struct External {
  std::string name;
  std::string segment;
  net::Ipv4 ip;
  std::string iface = "eth0";
  Pos pos;
  bool complete = true;
};

enum class ProbeKind { icmp, tcp, udp };
const char* to_string(ProbeKind k);

// What a probe sends: an ICMP echo; a TCP handshake to port (then size
// bytes, when size > 0) answered by a listener overlaylab opens in the
// destination; or a UDP datagram of size bytes that overlaylab's responder
// there sends back.
struct ProbeSpec {
  ProbeKind kind = ProbeKind::icmp;
  uint16_t port = 0;          // tcp and udp
  int size = 56;              // payload bytes (tcp: bytes sent after the handshake)
  std::optional<bool> df;     // DF bit; absent: the kernel's choice (path-MTU discovery)
  bool listen = true;         // tcp and udp: overlaylab answers in the destination
};

// The defaults a probe of kind has where the file says nothing.
ProbeSpec default_probe_spec(ProbeKind kind);

struct Probe {
  std::string name;
  std::string from;
  std::string to;  // a host name or an address
  int count = 1;
  ProbeSpec spec;
  Pos pos;
};

struct ExpectHop {
  std::string at;  // "host:interface", interface may end in '*'
  Pos pos;
  // The source address the probe's packet carries there (its innermost
  // IPv4 header): where a NAT rewrote it, or where none did.
  std::optional<net::Ipv4> src{};
};

struct Expect {
  std::string probe;
  std::optional<bool> reply;
  std::optional<int> ttl;
  std::vector<ExpectHop> hops;
  Pos pos;
};

struct Scenario {
  std::string file;  // as given by the user, for messages
  std::string name;
  std::string description;
  std::vector<Segment> segments;
  std::vector<Router> routers;
  Overlay overlay;
  std::vector<Node> nodes;
  std::vector<External> externals;
  std::vector<Probe> probes;
  std::vector<Expect> expects;
  Pos pos;

  const Segment* find_segment(std::string_view name) const;
  const Node* find_node(std::string_view name) const;
  const Router* find_router(std::string_view name) const;
  const External* find_external(std::string_view name) const;
  // The node a container runs on, or nullptr.
  const Node* node_of(std::string_view container) const;
  bool has_host(std::string_view name) const;
  std::vector<std::string> host_names() const;  // nodes, containers, routers, externals
  // The MTU a node's interface is set to (node@mtu, else its segment's).
  int iface_mtu(const Node& node) const;
};

}  // namespace ovl::scenario
