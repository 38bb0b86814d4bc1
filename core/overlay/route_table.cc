#include "core/overlay/route_table.h"

#include <algorithm>

namespace ovl::overlay {

RouteTable::RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return a.subnet.len() > b.subnet.len(); });
}

const Route* RouteTable::lookup(net::Ipv4 dst) const {
  for (const auto& r : routes_)
    if (r.subnet.contains(dst)) return &r;
  return nullptr;
}

// One pass, no sort: a daemon learning n peers one by one pays n, not n log n,
// per peer.
RouteTable RouteTable::with(const Route& route) const {
  RouteTable out;
  out.routes_.reserve(routes_.size() + 1);
  bool placed = false;
  for (const auto& r : routes_) {
    if (r.subnet == route.subnet) continue;
    if (!placed && r.subnet.len() < route.subnet.len()) {
      out.routes_.push_back(route);
      placed = true;
    }
    out.routes_.push_back(r);
  }
  if (!placed) out.routes_.push_back(route);
  return out;
}

RouteTable RouteTable::without(const net::Cidr& subnet) const {
  RouteTable out;
  out.routes_.reserve(routes_.size());
  for (const auto& r : routes_)
    if (r.subnet != subnet) out.routes_.push_back(r);  // stays sorted
  return out;
}

std::shared_ptr<const RouteTable> SharedRouteTable::load() const {
  std::lock_guard lock(mutex_);
  return table_;
}

void SharedRouteTable::store(RouteTable table) {
  auto fresh = std::make_shared<const RouteTable>(std::move(table));
  std::lock_guard lock(mutex_);
  table_ = std::move(fresh);
}

}  // namespace ovl::overlay
