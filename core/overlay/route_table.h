// The udp backend's own routing table: which node (PublicIP:port) owns which
// subnet. Flannel's proxy keeps the same table; it is filled from leases.
//
// The data plane reads a snapshot per batch while the control thread swaps
// in a new table when leases change, so the hot path never waits on an
// update and never sees a half-built table.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/net/datapath.h"
#include "core/net/ipv4.h"

namespace ovl::overlay {

using net::Endpoint;

struct Route {
  net::Cidr subnet;
  Endpoint next_hop;
};

class RouteTable {
 public:
  RouteTable() = default;
  explicit RouteTable(std::vector<Route> routes);

  // Longest-prefix match; nullptr when no lease covers dst.
  const Route* lookup(net::Ipv4 dst) const;
  const std::vector<Route>& routes() const { return routes_; }

  // Copies with one route set (replacing the same subnet) or removed.
  RouteTable with(const Route& route) const;
  RouteTable without(const net::Cidr& subnet) const;

 private:
  std::vector<Route> routes_;  // sorted by prefix length, longest first
};

// A table shared between the control thread and the data plane.
class SharedRouteTable {
 public:
  std::shared_ptr<const RouteTable> load() const;
  void store(RouteTable table);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const RouteTable> table_ = std::make_shared<RouteTable>();
};

}  // namespace ovl::overlay
