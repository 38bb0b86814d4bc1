// The allocation loop of a daemon, for the stores' race tests: list the
// leases, try the first free subnet, and go round again on losing the race.
// Always trying the *first* free subnet (Flannel picks at random among
// them) makes every racer collide, which is what the tests want.
#pragma once

#include <optional>

#include "core/net/subnet_range.h"
#include "core/overlay/lease_store.h"

namespace ovl::test {

inline std::optional<net::Cidr> allocate(overlay::LeaseStore& store, const overlay::NetworkConfig& config,
                                         const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl,
                                         int attempts = 200) {
  for (int i = 0; i < attempts; ++i) {
    std::vector<net::Cidr> taken;
    for (const auto& lease : store.leases().leases) taken.push_back(lease.subnet);
    auto free = net::free_subnets(config.range(), taken, 1);
    if (free.empty()) return std::nullopt;
    if (store.create_lease(free[0], attrs, ttl)) return free[0];
  }
  return std::nullopt;
}

inline overlay::LeaseAttrs attrs_for(int host) {
  return overlay::LeaseAttrs{net::Ipv4(10, 0, 0, uint8_t(host)), "", std::nullopt};  // as Flannel's udp
}

}  // namespace ovl::test
