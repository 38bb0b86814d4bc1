// The build plan: a scenario turned into an ordered list of kernel objects.
// Plain data: `overlaylab plan` prints it as the ip/bridge/sysctl commands a
// student could type, and the executor (core/lab) applies it through netlink.
//
// A lab is built in two stages, as a real cluster is:
//   underlay  the fabric (one bridge per segment), routers, and every node's
//             namespace and underlay interface;
//   node      after the node's overlayd has leased a subnet and written
//             subnet.env: with ip-masq, Flannel's masquerade rules (ipmasq.h);
//             the bridge with FLANNEL_SUBNET and FLANNEL_MTU (what
//             `dockerd --bip --mtu` does) and the containers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/net/ipv4.h"
#include "core/scenario/model.h"

namespace ovl::scenario {

struct CreateNetns { std::string ns; };
struct CreateBridge { std::string ns, name; int mtu; };
// name in ns with mtu, peer_name in peer_ns with peer_mtu (mtu when 0).
struct CreateVeth {
  std::string ns, name, peer_ns, peer_name;
  int mtu;
  int peer_mtu = 0;
};
struct SetMaster { std::string ns, link, master; };
struct AddAddress { std::string ns, link; net::Cidr address; };
struct LinkUp { std::string ns, link; };
// dst 0.0.0.0/0 is the default route; without via it is a device route.
// replace: `ip route replace` (made or changed), else `ip route add`.
struct AddRoute {
  std::string ns;
  net::Cidr dst;
  std::optional<net::Ipv4> via;
  std::string dev;
  bool onlink = false, replace = false;
};
struct SetSysctl { std::string ns, key, value; };
// The most segments a GSO super-packet on link may hold; 1 makes the kernel
// cut every super-packet into frames before the link, as a real NIC puts
// only frames on the wire (`ip link set LINK gso_max_segs 1`).
struct SetGsoMaxSegs { std::string ns, link; int segs; };
// One nft command (add table, chain or rule) run in ns through libnftables,
// never by an nft process.
struct Nft { std::string ns, command; };
// A file of a node's simulated filesystem, relative to the lab state directory.
struct WriteFile { std::string path, content; };

// The entries overlayd's vxlan and host-gw backends keep per peer, applied
// through NetworkOps like the plan's steps (ns "" is the caller's own
// namespace). Neighbours and FDB entries are permanent and replace what was
// there; a delete of what is already gone is not an error.
struct AddNeighbour { std::string ns, dev; net::Ipv4 ip; net::Mac mac; };
struct DeleteNeighbour { std::string ns, dev; net::Ipv4 ip; };
struct AddFdb { std::string ns, dev; net::Mac mac; net::Ipv4 dst; };
struct DeleteFdb { std::string ns, dev; net::Mac mac; net::Ipv4 dst; };
struct DeleteRoute {
  std::string ns;
  net::Cidr dst;
  std::optional<net::Ipv4> via;
  std::string dev;
  bool onlink = false;
};

using Op = std::variant<CreateNetns, CreateBridge, CreateVeth, SetMaster, AddAddress, LinkUp, AddRoute,
                        SetSysctl, WriteFile, AddNeighbour, DeleteNeighbour, AddFdb, DeleteFdb, DeleteRoute,
                        SetGsoMaxSegs, Nft>;

struct Step {
  Op op;
  std::string host;  // the host the object belongs to; "fabric" for the underlay
  Pos pos;           // the scenario element that asked for it
};

struct Plan {
  std::vector<Step> steps;
};

// What a node's runtime reads from subnet.env.
struct NodeLease {
  net::Cidr subnet;  // the lease, e.g. 100.96.1.0/24
  int mtu;           // FLANNEL_MTU
};

// lab is the lab name (the scenario's, unless overridden).
Plan plan_underlay(const Scenario& s, const std::string& lab);
// Throws std::runtime_error when the lease cannot hold the node's containers.
Plan plan_node(const Scenario& s, const std::string& lab, const Node& node, const NodeLease& lease);

// The overlay's device MTU for a backend: underlay MTU less the
// encapsulation (net::kUdpOverhead, net::kVxlanOverhead).
int overlay_mtu(Backend backend, int underlay_mtu);

// Where a node's files live, relative to the lab state directory.
std::string node_dir(const std::string& node);  // "nodes/<node>"

// The shell command that creates the same object by hand.
std::string to_command(const Op& op);

// Leases as overlayd would take them from an empty store: the pinned subnet,
// else the first free one from SubnetMin (Flannel picks at random among the
// free ones, so a live lab may differ). MTU as the node's overlayd computes it.
std::map<std::string, NodeLease> predict_leases(const Scenario& s);

// The whole build as a commented shell script, stage by stage.
std::string plan_document(const Scenario& s, const std::string& lab,
                          const std::map<std::string, NodeLease>& leases);

}  // namespace ovl::scenario
