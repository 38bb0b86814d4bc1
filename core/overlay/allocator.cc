#include "core/overlay/allocator.h"

#include <stdexcept>

namespace ovl::overlay {
namespace {

const Lease* find_by_ip(const std::vector<Lease>& leases, net::Ipv4 ip) {
  for (const auto& l : leases)
    if (l.attrs.public_ip == ip) return &l;
  return nullptr;
}

bool taken(const std::vector<Lease>& leases, const net::Cidr& subnet) {
  for (const auto& l : leases)
    if (l.subnet.overlaps(subnet)) return true;
  return false;
}

}  // namespace

bool subnet_fits(const NetworkConfig& config, const net::Cidr& subnet) {
  return subnet.len() == config.subnet_len && config.network.contains(subnet) && !subnet.has_host_bits();
}

std::optional<SubnetChoice> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                          net::Ipv4 public_ip, std::optional<net::Cidr> previous,
                                          const Pick& pick) {
  if (auto* mine = find_by_ip(leases, public_ip); mine && subnet_fits(config, mine->subnet))
    return SubnetChoice{SubnetChoice::Kind::keep_existing, mine->subnet};
  if (previous && subnet_fits(config, *previous) && !taken(leases, *previous))
    return SubnetChoice{SubnetChoice::Kind::reuse_previous, *previous};
  std::vector<net::Cidr> held;
  for (const auto& l : leases) held.push_back(l.subnet);
  auto free = net::free_subnets(config.range(), held, 100);
  if (free.empty()) return std::nullopt;
  return SubnetChoice{SubnetChoice::Kind::allocate, free[pick(free.size())]};
}

Acquired acquire_lease(LeaseStore& store, const NetworkConfig& config, const LeaseAttrs& attrs,
                       std::optional<net::Cidr> previous, const Pick& pick, std::chrono::seconds ttl,
                       int attempts) {
  for (int i = 0; i < attempts; ++i) {
    auto snapshot = store.leases();
    auto choice = choose_subnet(config, snapshot.leases, attrs.public_ip, previous, pick);
    if (!choice)
      throw std::runtime_error("no free subnet left in " + config.network.str() + " (all " +
                               std::to_string(config.range().count()) + " /" +
                               std::to_string(config.subnet_len) + " subnets are leased)");
    bool got = choice->kind == SubnetChoice::Kind::keep_existing
                   ? store.renew_lease(choice->subnet, attrs, ttl)
                   : store.create_lease(choice->subnet, attrs, ttl);
    if (got)
      return Acquired{Lease{choice->subnet, attrs, std::chrono::system_clock::now() + ttl}, choice->kind};
  }
  throw std::runtime_error("could not lease a subnet after " + std::to_string(attempts) +
                           " attempts: other nodes kept taking the chosen ones");
}

const char* to_string(SubnetChoice::Kind kind) {
  switch (kind) {
    case SubnetChoice::Kind::keep_existing: return "kept the lease this node already held";
    case SubnetChoice::Kind::reuse_previous: return "reused the subnet from subnet.env";
    case SubnetChoice::Kind::allocate: return "picked a free subnet";
  }
  return "?";
}

}  // namespace ovl::overlay
