#include "viz/lab_diagram.h"

#include <graphviz/cgraph.h>

#include "core/scenario/ipam.h"
#include "core/scenario/names.h"

namespace ovl::viz {
namespace {

constexpr const char* kNodeFill = "#eef3fb";
constexpr const char* kContainerFill = "#ffffff";
constexpr const char* kUnderlayFill = "#f2f2f2";

std::string overlay_device(const scenario::Scenario& s) {
  switch (s.overlay.backend) {
    case scenario::Backend::udp: return "flannel0";
    case scenario::Backend::vxlan: return "flannel." + std::to_string(s.overlay.vni);
    case scenario::Backend::host_gw: return "";
  }
  return "";
}

std::string mtu(int m) { return "MTU " + std::to_string(m); }

}  // namespace

LabDiagram::LabDiagram(const scenario::Scenario& s, const std::map<std::string, scenario::NodeLease>& leases,
                       const std::string& title, Fonts fonts, const std::set<std::string>& hosts)
    : s_(s), g_(s.name) {
  style(title, fonts);
  auto nodes = drawn_nodes(hosts);
  // Top to bottom as the seeds draw a host: containers, bridge, overlay
  // device, uplink; the underlay below them all.
  for (const auto* n : nodes) {
    auto it = leases.find(n->name);
    add_node(*n, it == leases.end() ? nullptr : &it->second, false);
  }
  for (const auto& seg : s.segments) {
    size_t on_segment = 0, drawn = 0;
    for (const auto& n : s.nodes) on_segment += n.segment == seg.name;
    for (const auto* n : nodes) drawn += n->segment == seg.name;
    add_segment(seg, on_segment - drawn);
  }
  for (const auto& r : s.routers) add_router(r);
  for (const auto& x : s.externals) add_external(x);
  for (const auto* n : nodes) link(iface(n->name, n->iface), g_.find("segment:" + n->segment), false, "solid");
}

std::vector<const scenario::Node*> LabDiagram::drawn_nodes(const std::set<std::string>& hosts) const {
  std::vector<const scenario::Node*> out;
  bool all = s_.nodes.size() <= kMaxDrawnNodes;
  for (const auto& n : s_.nodes) {
    bool named = hosts.count(n.name) > 0;
    for (const auto& c : n.containers) named = named || hosts.count(c.name) > 0;
    if (all || named) out.push_back(&n);
  }
  if (out.empty()) {
    out = {&s_.nodes[0], &s_.nodes[1]};
    out.push_back(&s_.nodes.back());
  }
  return out;
}

void LabDiagram::style(const std::string& title, Fonts fonts) {
  auto* root = g_.root();
  g_.set(root, "label", title);
  g_.set(root, "labelloc", "b");  // the top is where the first hops' labels go
  g_.set(root, "fontname", kFont);
  g_.set(root, "fontsize", "20");
  g_.set(root, "rankdir", "TB");
  g_.set(root, "newrank", "true");
  g_.set(root, "nodesep", "0.3");
  g_.set(root, "ranksep", "0.45");
  // A projector's 16:9 at 100 dpi; larger drawings are scaled down to fit.
  g_.set(root, "size", "19.2,10.8");
  g_.set(root, "ratio", "compress");
  g_.defaults(AGNODE, "fontname", kFont);
  g_.defaults(AGNODE, "fontsize", std::to_string(fonts.node));
  g_.defaults(AGNODE, "shape", "box");
  g_.defaults(AGNODE, "style", "rounded,filled");
  g_.defaults(AGNODE, "fillcolor", "white");
  g_.defaults(AGEDGE, "fontname", kFont);
  g_.defaults(AGEDGE, "fontsize", std::to_string(fonts.edge));
  g_.defaults(AGEDGE, "color", "#8c8c8c");
}

Subgraph LabDiagram::add_cluster(Subgraph parent, const std::string& host, const std::string& label,
                                 const char* fill) {
  Subgraph c = g_.cluster(parent, host);
  clusters_[host] = c;
  g_.set(c, "label", label);
  g_.set(c, "style", "rounded,filled");
  g_.set(c, "fillcolor", fill);
  g_.set(c, "fontname", kFont);
  g_.set(c, "fontsize", "15");
  g_.set(c, "labelloc", "b");  // hop labels crowd the top of a cluster
  return c;
}

Node LabDiagram::iface_node(Subgraph cluster, const std::string& host, const std::string& iface,
                            const std::string& details) {
  Node n = g_.node(cluster, host + ":" + iface);
  g_.set(n, "label", details.empty() ? iface : iface + "\\n" + details);
  return n;
}

Edge LabDiagram::link(Node inner, Node outer, bool outward, const char* style, const std::string& label) {
  Edge e = outward ? g_.edge(outer, inner, "") : g_.edge(inner, outer, "");
  g_.set(e, "dir", "none");
  g_.set(e, "style", style);
  if (!label.empty()) g_.set(e, "label", label);
  return e;
}

void LabDiagram::add_node(const scenario::Node& node, const scenario::NodeLease* lease, bool outward) {
  Subgraph cluster = add_cluster(g_.root(), node.name,
                                 node.name + (lease ? "  (lease " + lease->subnet.str() + ")" : ""), kNodeFill);
  const auto* seg = s_.find_segment(node.segment);
  iface_node(cluster, node.name, node.iface,
             node.ip.str() + "/" + std::to_string(seg->cidr.len()) + "\\n" + mtu(seg->mtu));
  Node br = iface_node(cluster, node.name, scenario::bridge_name(node.runtime),
                       lease ? lease->subnet.host(1).str() + "\\n" + mtu(lease->mtu) : "");
  add_containers(node, lease, br, outward);
  Node last = add_overlay(node, lease, br, outward);
  link(last, g_.find(node.name + ":" + node.iface), outward, last == br ? "invis" : "dotted",
       s_.overlay.backend == scenario::Backend::udp ? "UDP :" + std::to_string(s_.overlay.port) : "");
}

void LabDiagram::add_containers(const scenario::Node& node, const scenario::NodeLease* lease, Node bridge,
                                bool outward) {
  auto ips = lease ? scenario::container_addresses(node, lease->subnet) : std::nullopt;
  for (size_t i = 0; i < node.containers.size(); ++i) {
    const auto& c = node.containers[i];
    Subgraph box = add_cluster(clusters_.at(node.name), c.name, c.name, kContainerFill);
    std::string details = ips ? (*ips)[i].str() + "/" + std::to_string(lease->subnet.len()) + "\\n" + mtu(lease->mtu) : "";
    Node eth0 = iface_node(box, c.name, std::string(scenario::kContainerIface), details);
    Node veth = iface_node(clusters_.at(node.name), node.name, scenario::container_veth_name(c.name), "");
    link(eth0, veth, outward, "solid");
    link(veth, bridge, outward, "dashed");
  }
}

Node LabDiagram::add_overlay(const scenario::Node& node, const scenario::NodeLease* lease, Node bridge,
                             bool outward) {
  auto device = overlay_device(s_);
  if (device.empty()) return bridge;
  Subgraph cluster = clusters_.at(node.name);
  bool udp = s_.overlay.backend == scenario::Backend::udp;
  std::string addr = lease ? net::Cidr(lease->subnet.network(), udp ? s_.overlay.network.len() : 32).str() : "";
  std::string kind = udp ? "TUN" : "VXLAN, VNI " + std::to_string(s_.overlay.vni) + " :" + std::to_string(s_.overlay.port);
  Node dev = iface_node(cluster, node.name, device,
                        kind + (lease ? "\\n" + addr + "\\n" + mtu(lease->mtu) : ""));
  link(bridge, dev, outward, "invis");
  if (!udp) return dev;
  Node daemon = g_.node(cluster, node.name + ":overlayd");
  g_.set(daemon, "label", std::string(scenario::daemon_name(node)) + "\\n(user space)");
  g_.set(daemon, "shape", "component");
  g_.set(daemon, "fillcolor", "#fff4d6");
  link(dev, daemon, outward, "dotted", "read/write");
  return daemon;
}

void LabDiagram::add_segment(const scenario::Segment& seg, size_t undrawn) {
  Subgraph fabric = clusters_.count("fabric") ? clusters_["fabric"]
                                              : add_cluster(g_.root(), "fabric", "underlay", kUnderlayFill);
  Node n = g_.node(fabric, "segment:" + seg.name);
  g_.set(n, "label", "segment " + seg.name + "\\n" + seg.cidr.str() + "\\n" + mtu(seg.mtu));
  g_.set(n, "shape", "box3d");
  if (!undrawn) return;
  Node more = g_.node(g_.root(), "segment:" + seg.name + ":undrawn");
  g_.set(more, "label", std::to_string(undrawn) + " more node" + (undrawn == 1 ? "" : "s") + " on " + seg.name +
                            "\\n(not drawn)");
  g_.set(more, "style", "rounded,dashed");
  link(more, n, false, "dashed");
}

void LabDiagram::add_router(const scenario::Router& r) {
  Subgraph cluster = add_cluster(clusters_.at("fabric"), r.name, r.name + " (router)", "#ffffff");
  Node previous = nullptr;
  for (const auto& a : r.attaches) {
    const auto* seg = s_.find_segment(a.segment);
    Node leg = iface_node(cluster, r.name, a.iface, a.ip.str() + "/" + std::to_string(seg->cidr.len()));
    Node segment = g_.find("segment:" + a.segment);
    link(segment, leg, false, "solid");
    if (previous) link(previous, leg, false, "invis");
    previous = leg;
  }
}

// Outside the cluster, on the underlay: drawn among the segments, as a
// router is, with its one leg.
void LabDiagram::add_external(const scenario::External& x) {
  Subgraph cluster = add_cluster(clusters_.at("fabric"), x.name, x.name + " (outside the cluster)", "#ffffff");
  const auto* seg = s_.find_segment(x.segment);
  Node leg = iface_node(cluster, x.name, x.iface, x.ip.str() + "/" + std::to_string(seg->cidr.len()));
  link(g_.find("segment:" + x.segment), leg, false, "solid");
}

Node LabDiagram::iface(const std::string& host, const std::string& name) {
  if (Node n = g_.find(host + ":" + name)) return n;
  auto it = clusters_.find(host);
  return iface_node(it == clusters_.end() ? g_.root() : it->second, host, name, "");
}

Node LabDiagram::daemon(const std::string& node) { return g_.find(node + ":overlayd"); }

Node LabDiagram::segment_of(const std::string& host, const std::string& iface) {
  if (auto* n = s_.find_node(host); n && n->iface == iface) return g_.find("segment:" + n->segment);
  if (auto* r = s_.find_router(host))
    for (const auto& a : r->attaches)
      if (a.iface == iface) return g_.find("segment:" + a.segment);
  if (auto* x = s_.find_external(host); x && x->iface == iface) return g_.find("segment:" + x->segment);
  return nullptr;
}

Node LabDiagram::stack(const std::string& host, const std::string& label) {
  auto it = clusters_.find(host);
  Node n = g_.node(it == clusters_.end() ? g_.root() : it->second, host + ":stack");
  g_.set(n, "label", label);
  g_.set(n, "shape", "ellipse");
  g_.set(n, "style", "filled");
  g_.set(n, "fillcolor", "#e8f5e9");
  return n;
}

}  // namespace ovl::viz
