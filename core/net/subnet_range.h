// The range of subnets Flannel leases out of its network (pkg/subnet/config.go):
// SubnetMin is by default the second subnet (the first would give flannel0
// the network address), SubnetMax the last; a network config may set either.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/net/ipv4.h"

namespace ovl::net {

struct SubnetRange {
  Cidr network;
  int subnet_len = 24;
  std::optional<Ipv4> first, last;  // SubnetMin and SubnetMax when not the defaults

  uint32_t subnet_size() const { return uint32_t(1) << (32 - subnet_len); }
  Ipv4 min() const { return first.value_or(network.network() + subnet_size()); }
  Ipv4 max() const { return last.value_or(Ipv4(network.broadcast().value() - subnet_size() + 1)); }
  uint64_t count() const { return (uint64_t(max().value()) - min().value()) / subnet_size() + 1; }
  // Every leasable subnet, SubnetMin upward.
  std::vector<Cidr> all() const;
  // Flannel's isSubnetConfigCompat: SubnetMin <= subnet <= SubnetMax, of
  // the configured length.
  bool leasable(const Cidr& subnet) const {
    return subnet.len() == subnet_len && network.contains(subnet) && !subnet.has_host_bits() &&
           min() <= subnet.network() && subnet.network() <= max();
  }
};

}  // namespace ovl::net

namespace ovl::net {

// Free subnets of range from SubnetMin upward, skipping any that overlap
// taken; at most limit of them (Flannel picks at random among the first 100).
std::vector<Cidr> free_subnets(const SubnetRange& range, const std::vector<Cidr>& taken,
                               size_t limit = 100);

}  // namespace ovl::net
