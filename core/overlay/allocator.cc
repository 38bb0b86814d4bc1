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

std::string misfit(const NetworkConfig& config, const net::Cidr& subnet) {
  auto range = config.range();
  if (range.leasable(subnet)) return "";
  if (!config.network.contains(subnet)) return subnet.str() + " is outside the network " + config.network.str();
  if (subnet.len() != config.subnet_len || subnet.has_host_bits())
    return subnet.str() + " is not a /" + std::to_string(config.subnet_len) + " (SubnetLen)";
  return subnet.str() + " is outside SubnetMin..SubnetMax (" + range.min().str() + " to " + range.max().str() + ")";
}

std::optional<SubnetChoice> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                          net::Ipv4 public_ip, std::optional<net::Cidr> previous,
                                          const Pick& pick) {
  if (auto* mine = find_by_ip(leases, public_ip))
    return SubnetChoice{misfit(config, mine->subnet).empty() ? SubnetChoice::Kind::keep_existing
                                                             : SubnetChoice::Kind::delete_stale,
                        mine->subnet};
  if (previous && misfit(config, *previous).empty() && !taken(leases, *previous))
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
  Acquired out;
  if (previous && !misfit(config, *previous).empty()) {
    out.notes.push_back("subnet.env's previous subnet is not used: " + misfit(config, *previous));
    previous.reset();
  }
  for (int i = 0; i < attempts; ++i) {
    auto snapshot = store.leases();
    auto choice = choose_subnet(config, snapshot.leases, attrs.public_ip, previous, pick);
    if (!choice)
      throw std::runtime_error("no free subnet left in " + config.network.str() + " (all " +
                               std::to_string(config.range().count()) + " /" +
                               std::to_string(config.subnet_len) + " subnets from SubnetMin to SubnetMax are leased)");
    if (choice->kind == SubnetChoice::Kind::delete_stale) {
      store.delete_lease(choice->subnet);
      out.notes.push_back("deleted lease " + choice->subnet.str() + " held by " + attrs.public_ip.str() +
                          ": it no longer fits the network config (" + misfit(config, choice->subnet) + ")");
      continue;
    }
    bool got = true;
    if (choice->kind == SubnetChoice::Kind::keep_existing)
      store.renew_lease(choice->subnet, attrs, ttl);
    else
      got = store.create_lease(choice->subnet, attrs, ttl);
    if (!got) continue;
    out.lease = Lease{choice->subnet, attrs, std::chrono::system_clock::now() + ttl};
    out.how = choice->kind;
    return out;
  }
  throw std::runtime_error("could not lease a subnet after " + std::to_string(attempts) +
                           " attempts: other nodes kept taking the chosen ones");
}

const char* to_string(SubnetChoice::Kind kind) {
  switch (kind) {
    case SubnetChoice::Kind::keep_existing: return "kept the lease this node already held";
    case SubnetChoice::Kind::reuse_previous: return "reused the subnet from subnet.env";
    case SubnetChoice::Kind::allocate: return "picked a free subnet";
    case SubnetChoice::Kind::delete_stale: return "deleted a lease that no longer fits";
  }
  return "?";
}

}  // namespace ovl::overlay
