#include "core/net/subnet_range.h"

namespace ovl::net {

std::vector<Cidr> SubnetRange::all() const {
  std::vector<Cidr> out;
  for (uint64_t v = min().value(); v <= max().value(); v += subnet_size())
    out.emplace_back(Ipv4(uint32_t(v)), subnet_len);
  return out;
}

}  // namespace ovl::net

namespace ovl::net {

std::vector<Cidr> free_subnets(const SubnetRange& range, const std::vector<Cidr>& taken,
                               size_t limit) {
  std::vector<Cidr> out;
  for (uint64_t v = range.min().value(); v <= range.max().value() && out.size() < limit;
       v += range.subnet_size()) {
    Cidr candidate(Ipv4(uint32_t(v)), range.subnet_len);
    bool clash = false;
    for (const auto& t : taken) clash = clash || candidate.overlaps(t);
    if (!clash) out.push_back(candidate);
  }
  return out;
}

}  // namespace ovl::net
