// How a node gets its subnet, as Flannel's subnet manager does it
// (pkg/subnet/etcd/local_manager.go, tryAcquireLease):
//   1. a live lease already held by this node's PublicIP is kept (renewed);
//   2. else the previous subnet from subnet.env is reused if nobody holds it;
//   3. else a free subnet is picked at random among the first 100 free ones
//      from SubnetMin upward;
// and the lease is created with compare-and-swap: losing the race means
// listing again and retrying, so two nodes never share a subnet.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/overlay/lease.h"
#include "core/overlay/lease_store.h"
#include "core/overlay/network_config.h"

namespace ovl::overlay {

struct SubnetChoice {
  enum class Kind { keep_existing, reuse_previous, allocate } kind;
  net::Cidr subnet;
};

// pick(n) returns an index in [0, n): randomness comes in from the caller.
using Pick = std::function<size_t(size_t)>;

// nullopt when the network is full.
std::optional<SubnetChoice> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                          net::Ipv4 public_ip, std::optional<net::Cidr> previous,
                                          const Pick& pick);

// A subnet may be leased when it lies in the network with the configured
// length. (Flannel also insists on SubnetMin..SubnetMax for reuse; the lab
// lets a pinned subnet be any subnet, as Kubernetes' podCIDRs are.)
bool subnet_fits(const NetworkConfig& config, const net::Cidr& subnet);

struct Acquired {
  Lease lease;
  SubnetChoice::Kind how;
};

// The whole loop against a store. Throws std::runtime_error when the network
// is full or the store keeps losing races after attempts tries.
Acquired acquire_lease(LeaseStore& store, const NetworkConfig& config, const LeaseAttrs& attrs,
                       std::optional<net::Cidr> previous, const Pick& pick, std::chrono::seconds ttl,
                       int attempts = 20);

const char* to_string(SubnetChoice::Kind kind);

}  // namespace ovl::overlay
