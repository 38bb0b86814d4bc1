// The picture of a lab: each node a cluster holding its containers (nested
// clusters), their veths, the bridge, the overlay device (flannel0 or
// flannel.1), the daemon when it forwards in user space, and the underlay
// interface; segments and routers beside them. Addresses, subnets and MTUs
// are written on the interfaces. path_diagram.h draws a trace over it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/scenario/model.h"
#include "core/scenario/plan.h"
#include "viz/graph.h"

namespace ovl::viz {

inline constexpr const char* kFont = "DejaVu Sans";

class LabDiagram {
 public:
  // Point sizes of the nodes' and the edges' text.
  struct Fonts {
    int node = 12, edge = 11;
  };

  // leases: each node's lease and MTU (from subnet.env on a live lab, or
  // predicted for `overlaylab graph`). A lab of more than kMaxDrawnNodes
  // nodes is drawn with only the nodes that are, or hold, one of `hosts`
  // (the first two and the last when none is), and a box per segment
  // counting the others: Graphviz spent over 15 minutes on a 1000-node
  // lab, and nobody reads a thousand clusters.
  LabDiagram(const scenario::Scenario& s, const std::map<std::string, scenario::NodeLease>& leases,
             const std::string& title, Fonts fonts = {12, 11}, const std::set<std::string>& hosts = {});

  static constexpr size_t kMaxDrawnNodes = 12;

  Graph& graph() { return g_; }
  const scenario::Scenario& scenario() const { return s_; }
  // The node for host:iface; one the scenario does not predict is added to
  // the host's cluster (the fabric's ports, say).
  Node iface(const std::string& host, const std::string& iface);
  // The user-space daemon of a udp node, else nullptr.
  Node daemon(const std::string& node);
  // The segment node an underlay interface (a node's uplink, a router's
  // leg) plugs into, else nullptr.
  Node segment_of(const std::string& host, const std::string& iface);
  // A point standing for a host's own IP stack (where a probe starts or ends).
  Node stack(const std::string& host, const std::string& label);

 private:
  void style(const std::string& title, Fonts fonts);
  // The nodes drawn, in the scenario's order.
  std::vector<const scenario::Node*> drawn_nodes(const std::set<std::string>& hosts) const;
  void add_segment(const scenario::Segment& seg, size_t undrawn);
  void add_router(const scenario::Router& r);
  void add_external(const scenario::External& x);
  void add_node(const scenario::Node& node, const scenario::NodeLease* lease, bool outward);
  Subgraph add_cluster(Subgraph parent, const std::string& host, const std::string& label, const char* fill);
  void add_containers(const scenario::Node& node, const scenario::NodeLease* lease, Node bridge, bool outward);
  // The overlay device and daemon between the bridge and the uplink.
  Node add_overlay(const scenario::Node& node, const scenario::NodeLease* lease, Node bridge, bool outward);
  Node iface_node(Subgraph cluster, const std::string& host, const std::string& iface, const std::string& details);
  // An edge drawn without arrows; `outward` flips it so that nodes after the
  // first mirror the first across the underlay.
  Edge link(Node inner, Node outer, bool outward, const char* style, const std::string& label = "");

  const scenario::Scenario& s_;
  Graph g_;
  std::map<std::string, Subgraph> clusters_;
};

}  // namespace ovl::viz
