// overlayd's life, as flanneld's: find the external interface, read the
// network config from the store, let the backend prepare, take a lease,
// start forwarding, write subnet.env, then follow the store: peers join and
// leave, the lease is renewed before it expires. If the store goes away the
// daemon keeps forwarding to the peers it knows and catches up when the
// store returns; a renewal that fails is tried again a minute later, as
// Flannel's (LocalManager.CompleteLease), and never stops the daemon. A
// value under <prefix>/subnets that is not a usable lease is logged with its
// key and the reason and counted in the status file.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>

#include "core/overlay/allocator.h"
#include "core/overlay/backend.h"
#include "core/overlay/lease_store.h"
#include "core/overlay/status.h"

namespace ovl::overlay {

struct DaemonOptions {
  std::string iface = "eth0";           // --iface
  std::optional<net::Ipv4> public_ip;   // --public-ip
  std::filesystem::path subnet_file = "/run/flannel/subnet.env";  // --subnet-file
  std::filesystem::path status_file;    // --status-file; empty: none
  bool ip_masq = false;                 // --ip-masq (recorded in subnet.env)
  std::chrono::seconds lease_ttl = std::chrono::duration_cast<std::chrono::seconds>(kLeaseTtl);
  std::chrono::seconds renew_margin = std::chrono::minutes(60);  // --subnet-lease-renew-margin
  std::chrono::seconds renew_retry = std::chrono::minutes(1);    // after a failed renewal (Flannel: 1 min)
};

// What the daemon needs from the host, behind a seam for tests.
struct DaemonHost {
  std::function<ExternalIface(const std::string& iface, std::optional<net::Ipv4> public_ip)> external;
  std::function<std::unique_ptr<Backend>(const NetworkConfig&, const ExternalIface&)> make_backend;
  Pick pick;
};

class Daemon {
 public:
  Daemon(DaemonOptions options, LeaseStore& store, DaemonHost host, std::ostream& log);

  // Runs until stop is set. Throws on a fatal error (the lease was revoked,
  // the network is full, the backend cannot start).
  void run(const std::atomic<bool>& stop);

 private:
  NetworkConfig wait_for_config(const std::atomic<bool>& stop);
  Acquired acquire(const NetworkConfig& config, const LeaseAttrs& attrs, const std::atomic<bool>& stop);
  void write_subnet_env(const NetworkConfig& config, const Lease& own, int mtu);
  void sync_peers(const LeaseSnapshot& snapshot);
  void apply(const LeaseEvent& event);
  void add_peer(const Lease& lease);
  void remove_peer(const net::Cidr& subnet, const std::string& why);
  void set_unusable(std::map<std::string, std::string> now);
  void follow_store(const std::atomic<bool>& stop);
  bool renew_if_due();
  void write_status();
  void log(const std::string& message);
  void store_failed(const std::exception& e);

  DaemonOptions options_;
  LeaseStore& store_;
  DaemonHost host_;
  std::ostream& log_;
  NetworkConfig config_;
  std::unique_ptr<Backend> backend_;
  std::optional<ExternalIface> external_;
  Lease own_;
  std::map<net::Cidr, Lease> peers_;
  std::map<std::string, std::string> unusable_;  // key -> reason
  uint64_t unusable_seen_ = 0;
  uint64_t revision_ = 0;
  bool store_ok_ = true;
  std::string store_error_;
  std::optional<DaemonStatus> last_status_;  // as last written, without its time
  std::chrono::system_clock::time_point next_renewal_, renewed_;
  std::string renew_error_;
};

}  // namespace ovl::overlay
