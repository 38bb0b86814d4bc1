// Where leases live: the interface both stores implement with the same keys
// and JSON as Flannel.
//   etcd  (etcd_store.h): a real etcd, v3 API through its JSON gateway;
//   local (local_store.h): embedded, files in a directory, no server.
// Both offer compare-and-swap creation (two nodes never get one subnet),
// TTLs, and a watch so daemons learn of peers joining and leaving.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/overlay/lease.h"
#include "core/overlay/network_config.h"

namespace ovl::overlay {

// The store cannot be reached or answered with an error; the caller keeps
// what it knows and retries later.
struct StoreUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LeaseEvent {
  // added covers changed, removed covers expired; unusable is a value
  // written under a key that cannot be used as a lease (reason says why).
  enum class Type { added, removed, unusable };
  Type type;
  Lease lease;       // added: the lease; removed, unusable: the subnet when the key names one
  std::string key;   // the store's key, as UnusableLease::key
  std::string reason;  // unusable only
};

struct LeaseSnapshot {
  std::vector<Lease> leases;  // live ones only, ordered by subnet
  std::vector<UnusableLease> unusable;  // keys whose values are not leases, by key
  uint64_t revision = 0;      // watch from here to see what follows
};

struct WatchResult {
  std::vector<LeaseEvent> events;  // in order
  uint64_t revision = 0;           // the next watch starts after this
  // History after the requested revision is gone (compacted, or the store
  // restarted): the caller must re-list with leases() and diff.
  bool resync = false;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // nullopt when <prefix>/config has not been written yet.
  virtual std::optional<NetworkConfig> config() = 0;
  virtual void put_config(const NetworkConfig& config) = 0;

  virtual LeaseSnapshot leases() = 0;

  // Creates <prefix>/subnets/<key> only if no live lease holds that subnet.
  // Returns false when another holder got there first.
  virtual bool create_lease(const net::Cidr& subnet, const LeaseAttrs& attrs,
                            std::chrono::seconds ttl) = 0;
  // Writes the lease with a fresh TTL whoever holds it now, as Flannel's
  // RenewLease and lease reuse do (registry.updateSubnet: a plain put, no
  // compare): a value another writer changed is simply overwritten.
  virtual void renew_lease(const net::Cidr& subnet, const LeaseAttrs& attrs, std::chrono::seconds ttl) = 0;
  virtual void delete_lease(const net::Cidr& subnet) = 0;

  // Waits up to timeout for lease changes after revision.
  virtual WatchResult watch(uint64_t revision, std::chrono::milliseconds timeout) = 0;

  // The store's name for subnet's key, as events and UnusableLease give it.
  virtual std::string key(const net::Cidr& subnet) const = 0;

  // For logs and status: "etcd http://172.20.33.102:2379 /coreos.com/network".
  virtual std::string describe() const = 0;
};

}  // namespace ovl::overlay
