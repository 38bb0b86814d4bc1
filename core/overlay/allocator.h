// How a node gets its subnet, as Flannel's subnet manager does it
// (pkg/subnet/etcd/local_manager.go, tryAcquireLease):
//   1. a lease already held by this node's PublicIP is kept (written again
//      with a fresh TTL) if it still fits the network config, and deleted if
//      it does not (SubnetMin..SubnetMax, SubnetLen);
//   2. else the previous subnet from subnet.env is reused if it fits and
//      nobody holds it;
//   3. else a free subnet is picked at random among the first 100 free ones
//      from SubnetMin upward;
// and a new lease is created with compare-and-swap: losing the race means
// listing again and retrying, so two nodes never share a subnet.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/overlay/lease.h"
#include "core/overlay/lease_store.h"
#include "core/overlay/network_config.h"

namespace ovl::overlay {

struct SubnetChoice {
  // delete_stale: this node's lease no longer fits the config; delete it
  // and choose again.
  enum class Kind { keep_existing, reuse_previous, allocate, delete_stale } kind;
  net::Cidr subnet;
};

// pick(n) returns an index in [0, n): randomness comes in from the caller.
using Pick = std::function<size_t(size_t)>;

// nullopt when the network is full.
std::optional<SubnetChoice> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                          net::Ipv4 public_ip, std::optional<net::Cidr> previous,
                                          const Pick& pick);

// Why subnet cannot be leased under config (Flannel's isSubnetConfigCompat),
// or "" when it can. (The lab lets a scenario pin a subnet below the default
// SubnetMin, as Kubernetes' podCIDRs are, by writing a lower SubnetMin.)
std::string misfit(const NetworkConfig& config, const net::Cidr& subnet);

struct Acquired {
  Lease lease;
  SubnetChoice::Kind how;
  // What was set aside on the way, one sentence each, for the log: a stale
  // lease deleted, a previous subnet that no longer fits.
  std::vector<std::string> notes;
};

// The whole loop against a store. Throws std::runtime_error when the network
// is full or the store keeps losing races after attempts tries.
Acquired acquire_lease(LeaseStore& store, const NetworkConfig& config, const LeaseAttrs& attrs,
                       std::optional<net::Cidr> previous, const Pick& pick, std::chrono::seconds ttl,
                       int attempts = 20);

const char* to_string(SubnetChoice::Kind kind);

}  // namespace ovl::overlay
