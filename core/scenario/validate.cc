#include "core/scenario/validate.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/net/subnet_range.h"
#include "core/scenario/names.h"
#include "core/scenario/parse.h"

namespace ovl::scenario {
namespace {

// A Linux bridge numbers its ports in 10 bits and keeps port 0 for itself:
// the 1,024th port is refused ("Exchange full").
constexpr size_t kBridgePortsMax = 1023;

class Validator {
 public:
  Validator(const Scenario& s, Diagnostics& d) : s_(s), d_(d) {}

  void run() {
    check_host_names();
    check_segments();
    check_routers();
    check_nodes();
    check_externals();
    check_underlay_addresses();
    check_overlay();
    check_subnets();
    check_containers();
    check_fabric_names();
    check_bridge_ports();
    check_probes();
    check_expects();
  }

 private:
  std::vector<std::string> segment_names() const {
    std::vector<std::string> out;
    for (const auto& seg : s_.segments) out.push_back(seg.name);
    return out;
  }

  // A segment by name, reporting an unknown one at pos.
  const Segment* segment(std::string_view name, Pos pos, std::string_view who) {
    if (auto* seg = s_.find_segment(name)) return seg;
    d_.error(pos, std::string(who) + " names segment " + quoted(name) +
                      ", which does not exist" + did_you_mean(name, segment_names()));
    return nullptr;
  }

  void check_iface(std::string_view iface, Pos pos, std::string_view who) {
    auto problem = ifname_problem(iface);
    if (!problem.empty()) d_.error(pos, std::string(who) + ": " + problem);
  }

  // Addresses on a segment must be usable host addresses of its CIDR.
  void check_host_address(const Segment& seg, net::Ipv4 ip, Pos pos, std::string_view who) {
    if (!seg.complete) return;
    if (!seg.cidr.contains(ip))
      d_.error(pos, std::string(who) + " has address " + ip.str() + ", outside segment " +
                        quoted(seg.name) + " (" + seg.cidr.str() + ")");
    else if (seg.cidr.len() < 31 && (ip == seg.cidr.network() || ip == seg.cidr.broadcast()))
      d_.error(pos, std::string(who) + " has address " + ip.str() + ", the " +
                        (ip == seg.cidr.network() ? "network" : "broadcast") +
                        " address of segment " + quoted(seg.name));
  }

  void check_host_names();
  void check_segments();
  void check_routers();
  void check_nodes();
  void check_externals();
  void check_underlay_addresses();
  void check_overlay();
  void check_subnets();
  void check_containers();
  void check_container_ip(const Node& node, const Container& c, std::set<net::Ipv4>& seen);
  void check_fabric_names();
  void check_bridge_ports();
  void check_probes();
  void check_probe_port(const Probe& p);
  void check_expects();
  void check_hop(const ExpectHop& hop);

  const Scenario& s_;
  Diagnostics& d_;
};

void Validator::check_host_names() {
  std::map<std::string, Pos> seen;
  auto add = [&](const std::string& name, Pos pos, const char* kind) {
    if (name.empty()) return;
    if (name == kFabricHost)
      d_.error(pos, std::string(kind) + " name 'fabric' is reserved for the lab's underlay "
                                        "namespace; choose another name");
    auto [it, fresh] = seen.emplace(name, pos);
    if (!fresh)
      d_.error(pos, std::string(kind) + " name " + quoted(name) + " is already used at line " +
                        std::to_string(it->second.line) +
                        "; nodes, containers, routers and external hosts share one namespace of names");
  };
  for (const auto& n : s_.nodes) {
    add(n.name, n.pos, "node");
    for (const auto& c : n.containers) add(c.name, c.pos, "container");
  }
  for (const auto& r : s_.routers) add(r.name, r.pos, "router");
  for (const auto& x : s_.externals) add(x.name, x.pos, "external host");
}

void Validator::check_segments() {
  std::map<std::string, Pos> seen;
  for (size_t i = 0; i < s_.segments.size(); ++i) {
    const auto& seg = s_.segments[i];
    if (!seen.emplace(seg.name, seg.pos).second)
      d_.error(seg.pos, "segment name " + quoted(seg.name) + " is used twice");
    if (seg.name.size() > kIfNameMax)
      d_.error(seg.pos, "segment name " + quoted(seg.name) + " is " +
                            std::to_string(seg.name.size()) +
                            " bytes, but it names the segment's bridge and Linux interface "
                            "names are at most 15 bytes; shorten it");
    if (!seg.complete) continue;
    if (seg.gateway && !seg.cidr.contains(*seg.gateway))
      d_.error(seg.pos, "segment " + quoted(seg.name) + " gateway " + seg.gateway->str() +
                            " is outside the segment (" + seg.cidr.str() + ")");
    for (size_t j = 0; j < i; ++j) {
      const auto& other = s_.segments[j];
      if (other.complete && seg.cidr.overlaps(other.cidr))
        d_.error(seg.pos, "segment " + quoted(seg.name) + " (" + seg.cidr.str() +
                              ") overlaps segment " + quoted(other.name) + " (" +
                              other.cidr.str() + ")");
    }
  }
}

void Validator::check_routers() {
  for (const auto& r : s_.routers) {
    std::set<std::string> segments, ifaces;
    for (const auto& a : r.attaches) {
      std::string who = "router " + quoted(r.name);
      check_iface(a.iface, a.pos, who + " interface");
      if (!ifaces.insert(a.iface).second)
        d_.error(a.pos, who + " uses interface name " + quoted(a.iface) + " twice");
      if (!segments.insert(a.segment).second)
        d_.error(a.pos, who + " attaches to segment " + quoted(a.segment) + " twice");
      auto* seg = segment(a.segment, a.pos, who);
      if (seg && a.complete) check_host_address(*seg, a.ip, a.pos, who);
    }
  }
}

void Validator::check_nodes() {
  for (const auto& n : s_.nodes) {
    std::string who = "node " + quoted(n.name);
    check_iface(n.iface, n.pos, who + " iface");
    if (n.iface == "docker0" || n.iface == "cni0" || n.iface.rfind("flannel", 0) == 0)
      d_.error(n.pos, who + " iface " + quoted(n.iface) +
                          " is a name the overlay uses on every node; choose eth0 or ens3");
    auto* seg = segment(n.segment, n.pos, who);
    if (seg && n.complete) check_host_address(*seg, n.ip, n.pos, who);
    if (seg && n.mtu && *n.mtu > seg->mtu)
      d_.warning(n.pos, who + " sets " + n.iface + "'s MTU to " + std::to_string(*n.mtu) + ", but segment " +
                            quoted(seg->name) + " carries " + std::to_string(seg->mtu) + ": larger frames vanish on "
                            "the wire, and no ICMP error says so (a black hole)");
  }
}

void Validator::check_externals() {
  for (const auto& x : s_.externals) {
    std::string who = "external host " + quoted(x.name);
    check_iface(x.iface, x.pos, who + " iface");
    auto* seg = segment(x.segment, x.pos, who);
    if (seg && x.complete) check_host_address(*seg, x.ip, x.pos, who);
  }
}

// Two hosts on one segment may not share an address, and a gateway must not
// be a node's own address.
void Validator::check_underlay_addresses() {
  std::map<std::pair<std::string, net::Ipv4>, std::string> owners;
  auto claim = [&](const std::string& segment, net::Ipv4 ip, const std::string& who, Pos pos) {
    auto [it, fresh] = owners.emplace(std::make_pair(segment, ip), who);
    if (!fresh && it->second != who)  // a duplicate name is reported already
      d_.error(pos, who + " has address " + ip.str() + " on segment " + quoted(segment) +
                        ", which " + it->second + " already has");
  };
  for (const auto& r : s_.routers)
    for (const auto& a : r.attaches)
      if (a.complete) claim(a.segment, a.ip, "router " + quoted(r.name), a.pos);
  for (const auto& n : s_.nodes)
    if (n.complete) claim(n.segment, n.ip, "node " + quoted(n.name), n.pos);
  for (const auto& x : s_.externals)
    if (x.complete) claim(x.segment, x.ip, "external host " + quoted(x.name), x.pos);
  for (const auto& n : s_.nodes) {
    auto* seg = s_.find_segment(n.segment);
    if (seg && seg->gateway && n.complete && *seg->gateway == n.ip)
      d_.error(seg->pos, "segment " + quoted(seg->name) + " gateway " + seg->gateway->str() +
                             " is node " + quoted(n.name) + "'s own address");
  }
}

void Validator::check_overlay() {
  const auto& o = s_.overlay;
  if (!o.complete) return;
  for (const auto& seg : s_.segments)
    if (seg.complete && seg.cidr.overlaps(o.network))
      d_.error(o.pos, "overlay network " + o.network.str() + " overlaps segment " +
                          quoted(seg.name) + " (" + seg.cidr.str() +
                          "): container and host addresses must be distinct");
  if (o.subnet_len < o.network.len() + 2 || o.subnet_len > 30)
    d_.error(o.pos, "subnet-len " + std::to_string(o.subnet_len) + " does not fit network " +
                        o.network.str() + ": Flannel needs a length from " +
                        std::to_string(o.network.len() + 2) + " (four subnets) to 30");
  if (o.backend == Backend::vxlan && o.vni == 0)
    d_.error(o.pos, "vni 0 is not a usable VXLAN network identifier; Flannel uses 1");
  if (o.store == Store::etcd && !o.etcd_node.empty() && !s_.find_node(o.etcd_node)) {
    std::vector<std::string> nodes;
    for (const auto& n : s_.nodes) nodes.push_back(n.name);
    d_.error(o.pos, "etcd-node " + quoted(o.etcd_node) + " is not a node" +
                        did_you_mean(o.etcd_node, nodes));
  }
  if (o.store == Store::local && o.etcd_node_given)
    d_.warning(o.pos, "etcd-node is ignored with store=\"local\"");
  // flanneld reads leases from etcd (or Kubernetes), never from overlayd's
  // embedded store, which lives in files of the lab's state directory.
  for (const auto& n : s_.nodes)
    if (n.external() && o.store == Store::local)
      d_.error(n.pos, "node " + quoted(n.name) + " has daemon=\"external\", but store=\"local\" is overlayd's "
                      "embedded store, which flanneld cannot read; use store=\"etcd\"");
  if (o.backend != Backend::host_gw) return;
  std::set<std::string> segments;
  for (const auto& n : s_.nodes) segments.insert(n.segment);
  if (segments.size() > 1)
    d_.warning(o.pos, "host-gw routes to each peer's subnet via the peer's own address, so every "
                      "node must share one L2 segment; nodes here sit on " +
                          std::to_string(segments.size()) +
                          " segments and cross-segment traffic will fail (use udp or vxlan)");
}

void Validator::check_subnets() {
  const auto& o = s_.overlay;
  if (!o.complete || o.subnet_len < o.network.len() + 2 || o.subnet_len > 30) return;
  net::SubnetRange range{o.network, o.subnet_len};
  std::map<net::Cidr, std::string> pinned;
  for (const auto& n : s_.nodes) {
    if (!n.subnet) continue;
    if (!o.network.contains(*n.subnet))
      d_.error(n.pos, "node " + quoted(n.name) + " subnet " + n.subnet->str() +
                          " is outside the overlay network " + o.network.str());
    else if (n.subnet->len() != o.subnet_len)
      d_.error(n.pos, "node " + quoted(n.name) + " subnet " + n.subnet->str() + " is a /" +
                          std::to_string(n.subnet->len()) + ", but subnet-len is " +
                          std::to_string(o.subnet_len) + " (try " +
                          net::Cidr(n.subnet->addr(), o.subnet_len).canonical().str() + ")");
    else if (auto [it, fresh] = pinned.emplace(*n.subnet, n.name); !fresh)
      d_.error(n.pos, "node " + quoted(n.name) + " subnet " + n.subnet->str() +
                          " is already pinned by node " + quoted(it->second));
  }
  if (s_.nodes.size() > range.count() + pinned.size())
    d_.error(o.pos, "network " + o.network.str() + " holds " + std::to_string(range.count()) +
                        " /" + std::to_string(o.subnet_len) + " subnets for " +
                        std::to_string(s_.nodes.size()) + " nodes");
}

// Each segment is a bridge with a port per host on it, and each node's
// docker0/cni0 a bridge with a port per container.
void Validator::check_bridge_ports() {
  std::map<std::string, size_t> ports;
  for (const auto& n : s_.nodes) ports[n.segment]++;
  for (const auto& r : s_.routers)
    for (const auto& a : r.attaches) ports[a.segment]++;
  for (const auto& seg : s_.segments)
    if (ports[seg.name] > kBridgePortsMax)
      d_.error(seg.pos, "segment " + quoted(seg.name) + " has " + std::to_string(ports[seg.name]) +
                            " hosts on it, but its bridge takes at most " + std::to_string(kBridgePortsMax) +
                            " ports; spread the nodes over several segments joined by a router");
  for (const auto& n : s_.nodes)
    if (n.containers.size() > kBridgePortsMax)
      d_.error(n.pos, "node " + quoted(n.name) + " has " + std::to_string(n.containers.size()) + " containers, but " +
                          bridge_name(n.runtime) + " takes at most " + std::to_string(kBridgePortsMax) + " ports");
}

void Validator::check_containers() {
  // A subnet length outside 1..30 is reported with the overlay (a /31 network
  // defaults to /33 subnets); there is no room to count then.
  if (s_.overlay.subnet_len < 1 || s_.overlay.subnet_len > 30) return;
  uint64_t room = (uint64_t(1) << (32 - s_.overlay.subnet_len)) - 3;  // network, bridge, broadcast
  for (const auto& n : s_.nodes) {
    std::set<net::Ipv4> seen;
    if (n.containers.size() > room)
      d_.error(n.pos, "node " + quoted(n.name) + " has " + std::to_string(n.containers.size()) +
                          " containers, but a /" + std::to_string(s_.overlay.subnet_len) +
                          " holds " + std::to_string(room));
    for (const auto& c : n.containers) check_container_ip(n, c, seen);
  }
}

void Validator::check_container_ip(const Node& n, const Container& c, std::set<net::Ipv4>& seen) {
  if (!c.ip) return;
  std::string who = "container " + quoted(c.name);
  if (!n.subnet) {
    if (n.complete)
      d_.error(c.pos, who + " has ip=\"" + c.ip->str() + "\" but node " + quoted(n.name) +
                          " has no pinned subnet: add subnet=\"...\" to the node, or drop ip= "
                          "and let IPAM choose");
    return;
  }
  const auto& sn = *n.subnet;
  if (!sn.contains(*c.ip))
    d_.error(c.pos, who + " address " + c.ip->str() + " is outside the subnet " + sn.str() +
                        " of node " + quoted(n.name));
  else if (*c.ip == sn.network() || *c.ip == sn.broadcast() || *c.ip == sn.network() + 1)
    d_.error(c.pos, who + " address " + c.ip->str() + " is the subnet's " +
                        (*c.ip == sn.network() ? "network" : *c.ip == sn.broadcast() ? "broadcast" : "bridge (" + std::string(bridge_name(n.runtime)) + ")") +
                        " address; containers start at " + (sn.network() + 2).str());
  else if (!seen.insert(*c.ip).second)
    d_.error(c.pos, who + " address " + c.ip->str() + " is already another container's");
}

// The fabric namespace holds every segment bridge and every host's port.
void Validator::check_fabric_names() {
  std::map<std::string, std::string> owners;
  auto claim = [&](const std::string& name, const std::string& who, Pos pos) {
    auto [it, fresh] = owners.emplace(name, who);
    if (!fresh && it->second != who)  // a duplicate name is reported already
      d_.error(pos, who + " and " + it->second + " both need interface " + quoted(name) +
                        " in the fabric namespace; rename one of them");
  };
  for (const auto& seg : s_.segments) claim(segment_bridge_name(seg), "segment " + quoted(seg.name), seg.pos);
  for (const auto& n : s_.nodes) claim(fabric_port_name(n.name, n.iface), "node " + quoted(n.name), n.pos);
  for (const auto& r : s_.routers)
    for (const auto& a : r.attaches)
      claim(fabric_port_name(r.name, a.iface), "router " + quoted(r.name), a.pos);
  for (const auto& x : s_.externals)
    claim(fabric_port_name(x.name, x.iface), "external host " + quoted(x.name), x.pos);
}

void Validator::check_probes() {
  auto hosts = s_.host_names();
  std::set<std::string> names;
  for (const auto& p : s_.probes) {
    if (!names.insert(p.name).second) d_.error(p.pos, "probe name " + quoted(p.name) + " is used twice");
    if (!p.from.empty() && !s_.has_host(p.from))
      d_.error(p.pos, "probe " + quoted(p.name) + " is sent from " + quoted(p.from) +
                          ", which is not a node, container or router" + did_you_mean(p.from, hosts));
    if (!p.to.empty() && !s_.has_host(p.to) && !net::Ipv4::parse(p.to))
      d_.error(p.pos, "probe " + quoted(p.name) + " goes to " + quoted(p.to) +
                          ", which is neither a host nor an IPv4 address" + did_you_mean(p.to, hosts));
    check_probe_port(p);
  }
}

// UDP to the overlay's port is what the tunnel carries: the trace would read
// the probe as encapsulation.
void Validator::check_probe_port(const Probe& p) {
  const auto& o = s_.overlay;
  if (p.spec.kind != ProbeKind::udp || o.backend == Backend::host_gw || p.spec.port != o.port) return;
  d_.error(p.pos, "probe " + quoted(p.name) + " sends UDP to port " + std::to_string(p.spec.port) +
                      ", the overlay's own port: its packets could not be told from the tunnel's; choose another "
                      "port");
}

void Validator::check_expects() {
  std::vector<std::string> probes;
  for (const auto& p : s_.probes) probes.push_back(p.name);
  for (const auto& x : s_.expects) {
    if (!x.probe.empty() && std::find(probes.begin(), probes.end(), x.probe) == probes.end())
      d_.error(x.pos, "<expect> names probe " + quoted(x.probe) + ", which does not exist" +
                          did_you_mean(x.probe, probes));
    for (const auto& hop : x.hops) check_hop(hop);
  }
}

void Validator::check_hop(const ExpectHop& hop) {
  auto colon = hop.at.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hop.at.size()) {
    d_.error(hop.pos, "hop " + quoted(hop.at) + " is not of the form host:interface (node1:eth0)");
    return;
  }
  auto host = hop.at.substr(0, colon);
  if (!s_.has_host(host))
    d_.error(hop.pos, "hop " + quoted(hop.at) + " names host " + quoted(host) +
                          ", which is not in the scenario" + did_you_mean(host, s_.host_names()));
}

}  // namespace

void validate(const Scenario& s, Diagnostics& diags) { Validator(s, diags).run(); }

Loaded load_text(std::string_view text, const std::string& file) {
  Loaded loaded{Scenario{}, Diagnostics(file), std::string(text)};
  loaded.scenario = parse(text, file, loaded.diags);
  // A file that is not even a scenario has nothing to cross-check.
  if (!loaded.scenario.nodes.empty() || !loaded.scenario.segments.empty())
    validate(loaded.scenario, loaded.diags);
  return loaded;
}

}  // namespace ovl::scenario
