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

struct Probe {
  std::string name;
  std::string from;
  std::string to;  // a host name or an address
  int count = 1;
  Pos pos;
};

struct ExpectHop {
  std::string at;  // "host:interface", interface may end in '*'
  Pos pos;
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
  std::vector<Probe> probes;
  std::vector<Expect> expects;
  Pos pos;

  const Segment* find_segment(std::string_view name) const;
  const Node* find_node(std::string_view name) const;
  const Router* find_router(std::string_view name) const;
  // The node a container runs on, or nullptr.
  const Node* node_of(std::string_view container) const;
  bool has_host(std::string_view name) const;
  std::vector<std::string> host_names() const;  // nodes, containers, routers
};

}  // namespace ovl::scenario
