// The embedded lease store: Flannel's data as files in one directory, shared
// by every process that opens the same directory, with no server.
//
//   <dir>/config                 the network config JSON, as in etcd
//   <dir>/subnets/100.96.1.0-24  line 1: the lease value JSON, as in etcd
//                                line 2: expires_ms=<unix time in ms>
//   <dir>/log                    one JSON line per change, revision 1, 2, ...
//   <dir>/lock                   flock'ed around every read-modify-write
//
// Every mutation happens under the exclusive lock and files are replaced by
// rename, so create_lease is a real compare-and-swap between processes.
// Readers take no lock: the log only grows, and each process reads what was
// appended since it last looked (leases() and watch() cost what changed, not
// what exists), so lease values are read from the log; one there that is not
// a lease (another writer's) is listed and watched as unusable. Expired
// leases count as absent; whoever notices one deletes it under the lock and
// logs its removal, so watchers learn of expiries too.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/overlay/lease_store.h"

namespace ovl::daemon {

class LocalStore : public overlay::LeaseStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Creates dir and dir/subnets when missing. clock decides expiry; every
  // process sharing dir must use the same (the real one, outside tests).
  // poll: how often watch looks at the log instead of holding an inotify
  // instance (0: inotify; see os::DirWatch).
  explicit LocalStore(std::filesystem::path dir,
                      Clock clock = [] { return std::chrono::system_clock::now(); },
                      std::chrono::milliseconds poll = {});
  ~LocalStore() override;

  std::optional<overlay::NetworkConfig> config() override;
  void put_config(const overlay::NetworkConfig& config) override;
  overlay::LeaseSnapshot leases() override;
  bool create_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) override;
  void renew_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) override;
  void delete_lease(const net::Cidr& subnet) override;
  // Returns logged events after revision at once; otherwise sleeps on inotify
  // (or polls) until the log changes, a lease is due to expire, or timeout.
  overlay::WatchResult watch(uint64_t revision, std::chrono::milliseconds timeout) override;
  std::string key(const net::Cidr& subnet) const override;  // the lease file's path
  std::string describe() const override;  // "local <dir>"

 private:
  class Txn;
  struct Follower;
  overlay::WatchResult poll_once(uint64_t revision);
  void catch_up_and_reap();

  std::filesystem::path dir_;
  Clock clock_;
  std::chrono::milliseconds poll_;
  std::unique_ptr<Follower> follower_;
};

}  // namespace ovl::daemon
