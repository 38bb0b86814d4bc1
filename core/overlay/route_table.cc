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

RouteTable RouteTable::with(const Route& route) const {
  auto routes = without(route.subnet).routes_;
  routes.push_back(route);
  return RouteTable(std::move(routes));
}

RouteTable RouteTable::without(const net::Cidr& subnet) const {
  std::vector<Route> routes;
  for (const auto& r : routes_)
    if (r.subnet != subnet) routes.push_back(r);
  return RouteTable(std::move(routes));
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
