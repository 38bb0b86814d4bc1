// The etcd lease store: a real etcd (v3 API, through its JSON gateway) with
// Flannel's key layout and its registry's operations:
//   <prefix>/config                  the network config JSON
//   <prefix>/subnets/100.96.1.0-24   a lease value JSON, bound to an etcd
//                                    lease that carries its TTL
// so `etcdctl get --prefix /coreos.com/network` shows what Flannel would.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/overlay/lease_store.h"

namespace ovl::daemon {

class EtcdClient;

class EtcdStore : public overlay::LeaseStore {
 public:
  // endpoints: "http://ip:port" (Flannel's --etcd-endpoints), tried in order.
  // prefix: Flannel's --etcd-prefix. netns_fd >= 0: talk to etcd from inside
  // that network namespace (sockets are created there; the calling thread
  // stays where it is); the fd is borrowed and must outlive the store.
  // Throws std::invalid_argument for an empty list or an endpoint that is
  // not http://.
  explicit EtcdStore(std::vector<std::string> endpoints, std::string prefix = overlay::kDefaultPrefix,
                     int netns_fd = -1);
  ~EtcdStore() override;

  std::optional<overlay::NetworkConfig> config() override;
  void put_config(const overlay::NetworkConfig& config) override;
  // Expirations come from each lease's remaining TTL, to the second. Keys
  // whose values are not leases are listed as unusable, with the reason.
  overlay::LeaseSnapshot leases() override;
  // As Flannel's registry: grant an etcd lease of ttl, then a transaction
  // "if version(key) == 0 then put(key, value, lease)".
  bool create_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) override;
  // As Flannel's registry.updateSubnet: grant a new etcd lease of ttl, then
  // put(key, value, lease), no compare.
  void renew_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) override;
  void delete_lease(const net::Cidr& subnet) override;
  // Added events carry no expiration (the epoch); a put of a value that is
  // not a lease is an unusable event. Without events the
  // returned revision is the one asked for: etcd may still have been
  // replaying older history when the time ran out.
  overlay::WatchResult watch(uint64_t revision, std::chrono::milliseconds timeout) override;
  std::string key(const net::Cidr& subnet) const override { return lease_key(subnet); }
  std::string describe() const override;  // "etcd http://172.20.33.102:2379 /coreos.com/network"

 private:
  std::string subnets_prefix() const { return prefix_ + "/subnets/"; }
  std::string lease_key(const net::Cidr& subnet) const { return subnets_prefix() + subnet.key(); }
  std::string grant(std::chrono::seconds ttl, const std::string& what);
  void revoke(const std::string& lease_id);
  std::chrono::system_clock::time_point expiration(const std::string& lease_id);

  std::unique_ptr<EtcdClient> client_;
  std::string prefix_;
};

// Flannel's --etcd-endpoints flag: "http://a:2379,http://b:2379".
std::vector<std::string> parse_etcd_endpoints(std::string_view flag);

}  // namespace ovl::daemon
