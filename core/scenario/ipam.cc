#include "core/scenario/ipam.h"

#include <set>

namespace ovl::scenario {

std::optional<std::vector<net::Ipv4>> container_addresses(const Node& node, net::Cidr subnet) {
  std::set<net::Ipv4> taken{subnet.network(), subnet.network() + 1, subnet.broadcast()};
  for (const auto& c : node.containers)
    if (c.ip) taken.insert(*c.ip);
  std::vector<net::Ipv4> out;
  net::Ipv4 next = subnet.network() + 2;
  for (const auto& c : node.containers) {
    if (c.ip) {
      out.push_back(*c.ip);
      continue;
    }
    while (taken.count(next) && subnet.contains(next)) next = next + 1;
    if (!subnet.contains(next) || next == subnet.broadcast()) return std::nullopt;
    taken.insert(next);
    out.push_back(next);
  }
  return out;
}

}  // namespace ovl::scenario
