#include "core/scenario/plan.h"

#include <stdexcept>

#include "core/net/packet.h"
#include "core/scenario/ipam.h"
#include "core/scenario/ipmasq.h"
#include "core/scenario/names.h"

namespace ovl::scenario {
namespace {

class Builder {
 public:
  Builder(const Scenario& s, std::string lab) : s_(s), lab_(std::move(lab)) {}

  void add(Op op, const std::string& host, Pos pos) { plan_.steps.push_back({std::move(op), host, pos}); }

  // A namespace with its loopback up: what `ip netns add` plus `ip link set lo up` give.
  void host_namespace(const std::string& host, Pos pos) {
    auto ns = netns_name(lab_, host);
    add(CreateNetns{ns}, host, pos);
    add(LinkUp{ns, "lo"}, host, pos);
  }

  // A host's leg on a segment: a veth from the host to the segment's bridge.
  // The fabric's end has the segment's MTU, which is what the wire carries;
  // the host's end has iface_mtu, which is what the host believes. When it
  // believes in more, frames must reach the wire as frames (SetGsoMaxSegs).
  void underlay_leg(const std::string& host, const std::string& iface, const Segment& seg,
                    net::Ipv4 ip, Pos pos, int iface_mtu = 0) {
    auto ns = netns_name(lab_, host), fabric = fabric_netns_name(lab_);
    auto port = fabric_port_name(host, iface);
    int mtu = iface_mtu ? iface_mtu : seg.mtu;
    add(CreateVeth{ns, iface, fabric, port, mtu, mtu == seg.mtu ? 0 : seg.mtu}, host, pos);
    if (mtu > seg.mtu) add(SetGsoMaxSegs{ns, iface, 1}, host, pos);
    add(SetMaster{fabric, port, segment_bridge_name(seg)}, host, pos);
    add(LinkUp{fabric, port}, host, pos);
    add(AddAddress{ns, iface, net::Cidr(ip, seg.cidr.len())}, host, pos);
    add(LinkUp{ns, iface}, host, pos);
  }

  void forwarding(const std::string& host, Pos pos) {
    add(SetSysctl{netns_name(lab_, host), "net.ipv4.ip_forward", "1"}, host, pos);
  }

  const Scenario& s_;
  std::string lab_;
  Plan plan_;
};

// A stable 64-hex-digit id, the shape of a Docker container id.
std::string container_id(const std::string& lab, const std::string& container) {
  std::string id;
  for (int i = 0; i < 8; ++i) id += short_hash(lab + "/" + container + "/" + std::to_string(i));
  return id;
}

void plan_container(Builder& b, const Node& node, const Container& c, net::Ipv4 ip,
                    const NodeLease& lease) {
  auto node_ns = netns_name(b.lab_, node.name), ns = netns_name(b.lab_, c.name);
  auto veth = container_veth_name(c.name);
  auto gateway = lease.subnet.network() + 1;
  std::string eth0(kContainerIface);
  b.host_namespace(c.name, c.pos);
  b.add(CreateVeth{node_ns, veth, ns, eth0, lease.mtu}, c.name, c.pos);
  b.add(SetMaster{node_ns, veth, bridge_name(node.runtime)}, c.name, c.pos);
  b.add(LinkUp{node_ns, veth}, c.name, c.pos);
  b.add(AddAddress{ns, eth0, net::Cidr(ip, lease.subnet.len())}, c.name, c.pos);
  b.add(LinkUp{ns, eth0}, c.name, c.pos);
  b.add(AddRoute{ns, net::Cidr(), gateway, eth0}, c.name, c.pos);
  if (node.runtime != Runtime::cni) return;
  // host-local IPAM's record, and the flannel CNI plugin's extra pod route.
  b.add(AddRoute{ns, b.s_.overlay.network, gateway, eth0}, c.name, c.pos);
  auto dir = node_dir(node.name) + "/var/lib/cni/networks/cbr0/";
  b.add(WriteFile{dir + ip.str(), container_id(b.lab_, c.name)}, c.name, c.pos);
  b.add(WriteFile{dir + "last_reserved_ip.0", ip.str()}, c.name, c.pos);
}

}  // namespace

int overlay_mtu(Backend backend, int underlay_mtu) {
  switch (backend) {
    case Backend::udp: return underlay_mtu - net::kUdpOverhead;
    case Backend::vxlan: return underlay_mtu - net::kVxlanOverhead;
    case Backend::host_gw: return underlay_mtu;
  }
  return underlay_mtu;
}

std::string node_dir(const std::string& node) { return "nodes/" + node; }

Plan plan_underlay(const Scenario& s, const std::string& lab) {
  Builder b(s, lab);
  auto fabric = fabric_netns_name(lab);
  b.host_namespace(std::string(kFabricHost), s.pos);
  for (const auto& seg : s.segments) {
    b.add(CreateBridge{fabric, segment_bridge_name(seg), seg.mtu}, std::string(kFabricHost), seg.pos);
    b.add(LinkUp{fabric, segment_bridge_name(seg)}, std::string(kFabricHost), seg.pos);
  }
  for (const auto& r : s.routers) {
    b.host_namespace(r.name, r.pos);
    for (const auto& a : r.attaches) b.underlay_leg(r.name, a.iface, *s.find_segment(a.segment), a.ip, a.pos);
    b.forwarding(r.name, r.pos);
  }
  for (const auto& n : s.nodes) {
    const Segment& seg = *s.find_segment(n.segment);
    b.host_namespace(n.name, n.pos);
    b.underlay_leg(n.name, n.iface, seg, n.ip, n.pos, s.iface_mtu(n));
    if (seg.gateway)
      b.add(AddRoute{netns_name(lab, n.name), net::Cidr(), *seg.gateway, n.iface}, n.name, seg.pos);
    b.forwarding(n.name, n.pos);
  }
  // Outside the cluster: its own segment's routes and nothing else, so it
  // can answer only an address of that segment.
  for (const auto& x : s.externals) {
    b.host_namespace(x.name, x.pos);
    b.underlay_leg(x.name, x.iface, *s.find_segment(x.segment), x.ip, x.pos);
  }
  return std::move(b.plan_);
}

Plan plan_node(const Scenario& s, const std::string& lab, const Node& node, const NodeLease& lease) {
  auto addresses = container_addresses(node, lease.subnet);
  if (!addresses)
    throw std::runtime_error("node '" + node.name + "' has more containers than its subnet " +
                             lease.subnet.str() + " holds");
  Builder b(s, lab);
  auto ns = netns_name(lab, node.name);
  // An external node's flanneld, told --ip-masq, installs its own.
  if (s.overlay.ip_masq && !node.external())
    for (auto& command : masquerade_commands(s.overlay.network, lease.subnet))
      b.add(Nft{ns, std::move(command)}, node.name, s.overlay.pos);
  std::string bridge = bridge_name(node.runtime);
  b.add(CreateBridge{ns, bridge, lease.mtu}, node.name, node.pos);
  b.add(AddAddress{ns, bridge, lease.subnet.host(1)}, node.name, node.pos);
  b.add(LinkUp{ns, bridge}, node.name, node.pos);
  for (size_t i = 0; i < node.containers.size(); ++i)
    plan_container(b, node, node.containers[i], (*addresses)[i], lease);
  return std::move(b.plan_);
}

}  // namespace ovl::scenario
