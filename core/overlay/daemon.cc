#include "core/overlay/daemon.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "core/overlay/log.h"
#include "core/util/files.h"

namespace ovl::overlay {
namespace {

using namespace std::chrono_literals;
constexpr auto kRetry = 1s;

void sleep_unless_stopped(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
  for (auto end = std::chrono::steady_clock::now() + d; !stop && std::chrono::steady_clock::now() < end;)
    std::this_thread::sleep_for(50ms);
}

std::optional<net::Cidr> previous_subnet(const std::filesystem::path& file) {
  auto text = util::read_file(file);
  if (!text) return std::nullopt;
  auto env = parse_subnet_env(*text);
  if (!env) return std::nullopt;
  return env->subnet;
}

}  // namespace

Daemon::Daemon(DaemonOptions options, LeaseStore& store, DaemonHost host, std::ostream& log)
    : options_(std::move(options)), store_(store), host_(std::move(host)), log_(log) {}

void Daemon::log(const std::string& message) {
  log_line(log_, message);
}

void Daemon::store_failed(const std::exception& e) {
  if (store_ok_ || store_error_ != e.what()) log(std::string("store unavailable: ") + e.what());
  store_ok_ = false;
  store_error_ = e.what();
}

void Daemon::run(const std::atomic<bool>& stop) {
  external_ = host_.external(options_.iface, options_.public_ip);
  log("using interface " + external_->name + " (" + external_->ip.str() + ", MTU " +
      std::to_string(external_->mtu) + "), public IP " + external_->public_ip.str());
  auto config = wait_for_config(stop);
  if (stop) return;
  backend_ = host_.make_backend(config, *external_);
  auto attrs = backend_->prepare();
  auto acquired = acquire(config, attrs, stop);
  if (stop) return;
  own_ = acquired.lease;
  log("leased " + own_.subnet.str() + " (" + to_string(acquired.how) + ")");
  backend_->start(own_);
  write_subnet_env(config, own_, backend_->mtu());
  follow_store(stop);
  backend_->stop();
  log("stopped");
}

NetworkConfig Daemon::wait_for_config(const std::atomic<bool>& stop) {
  bool said = false;
  while (!stop) {
    try {
      if (auto config = store_.config()) {
        log("network " + config->network.str() + ", subnet length " + std::to_string(config->subnet_len) +
            ", backend " + config->backend_type + " (" + store_.describe() + ")");
        return *config;
      }
      if (!said) log("waiting for the network config in " + store_.describe());
      said = true;
    } catch (const StoreUnavailable& e) {
      store_failed(e);
    }
    sleep_unless_stopped(stop, kRetry);
  }
  return {};
}

Acquired Daemon::acquire(const NetworkConfig& config, const LeaseAttrs& attrs, const std::atomic<bool>& stop) {
  auto previous = previous_subnet(options_.subnet_file);
  if (previous) log("subnet.env names " + previous->str() + "; reusing it if it is free");
  while (true) {
    try {
      auto got = acquire_lease(store_, config, attrs, previous, host_.pick, options_.lease_ttl);
      store_ok_ = true;
      return got;
    } catch (const StoreUnavailable& e) {
      store_failed(e);
      sleep_unless_stopped(stop, kRetry);
      if (stop) return {};
    }
  }
}

void Daemon::write_subnet_env(const NetworkConfig& config, const Lease& own, int mtu) {
  auto& path = options_.subnet_file;
  util::write_file_atomically(path, format_subnet_env(SubnetEnv{config.network, own.subnet, mtu, options_.ip_masq}));
  log("wrote " + path.string());
}

void Daemon::sync_peers(const std::vector<Lease>& leases) {
  std::map<net::Cidr, Lease> fresh;
  for (const auto& l : leases)
    if (l.subnet != own_.subnet) fresh[l.subnet] = l;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (fresh.count(it->first)) {
      ++it;
      continue;
    }
    apply(LeaseEvent{LeaseEvent::Type::removed, it->second});
    it = peers_.begin();
  }
  for (const auto& [subnet, lease] : fresh) {
    auto it = peers_.find(subnet);
    if (it == peers_.end() || !(it->second.attrs == lease.attrs)) apply(LeaseEvent{LeaseEvent::Type::added, lease});
  }
}

void Daemon::apply(const LeaseEvent& e) {
  const auto& subnet = e.lease.subnet;
  if (subnet == own_.subnet) {
    if (e.type == LeaseEvent::Type::removed)
      throw std::runtime_error("this node's lease " + subnet.str() + " was revoked; shutting down");
    own_.expiration = std::max(own_.expiration, e.lease.expiration);
    return;
  }
  if (e.type == LeaseEvent::Type::removed) {
    if (!peers_.erase(subnet)) return;
    backend_->remove_peer(subnet);
    log("peer left: " + subnet.str());
  } else {
    peers_[subnet] = e.lease;
    try {
      backend_->add_peer(e.lease);
    } catch (const PeerSkipped& skipped) {
      log("peer skipped: " + std::string(skipped.what()));
      return;
    }
    log("peer joined: " + subnet.str() + " via " + e.lease.attrs.public_ip.str());
  }
}

void Daemon::follow_store(const std::atomic<bool>& stop) {
  bool need_list = true, dirty = true;
  auto last_status = std::chrono::steady_clock::time_point();
  while (!stop) {
    auto before = peers_.size();
    bool was_ok = store_ok_;
    try {
      if (need_list) {
        auto snapshot = store_.leases();
        sync_peers(snapshot.leases);
        revision_ = snapshot.revision;
        need_list = false;
        if (!store_ok_) log("store is back: " + store_.describe());
        store_ok_ = true;
      }
      // Short waits keep shutdown prompt; a lab's store is next door.
      auto result = store_.watch(revision_, 250ms);
      for (const auto& e : result.events) apply(e);
      revision_ = result.revision;
      need_list = result.resync;
      renew_if_due();
    } catch (const StoreUnavailable& e) {
      store_failed(e);
      need_list = true;  // events may be lost while it is away
      sleep_unless_stopped(stop, kRetry);
    }
    // Status follows changes (the lab waits on it) and counters each second.
    // The file grows with the peers, so while peers keep joining it is
    // rewritten at most every millisecond per peer: a thousand daemons
    // learning a thousand peers write it a few times each, not a million.
    dirty = dirty || peers_.size() != before || store_ok_ != was_ok;
    auto since = std::chrono::steady_clock::now() - last_status;
    if ((dirty && since >= std::chrono::milliseconds(peers_.size())) || since >= 1s) {
      write_status();
      last_status = std::chrono::steady_clock::now();
      dirty = false;
    }
  }
}

void Daemon::renew_if_due() {
  auto now = std::chrono::system_clock::now();
  if (own_.expiration - now > options_.renew_margin) return;
  if (!store_.renew_lease(own_.subnet, own_.attrs, options_.lease_ttl))
    throw std::runtime_error("could not renew lease " + own_.subnet.str() + ": it is gone or held by another node");
  own_.expiration = now + options_.lease_ttl;
  log("renewed lease " + own_.subnet.str() + " until " + utc_timestamp(own_.expiration));
}

void Daemon::write_status() {
  if (options_.status_file.empty()) return;
  DaemonStatus s;
  backend_->describe(s);
  s.pid = ::getpid();
  s.backend = backend_->type();
  s.iface = external_->name;
  s.public_ip = external_->public_ip;
  s.lease = own_.subnet;
  s.lease_expires = utc_timestamp(own_.expiration);
  s.mtu = backend_->mtu();
  s.store = {store_.describe(), store_ok_, store_ok_ ? "" : store_error_};
  // Unchanged but for the time: not rewritten. An idle lab of many nodes
  // would otherwise create and rename a file per daemon every second.
  if (last_status_ && *last_status_ == s) return;
  last_status_ = s;
  s.updated = utc_timestamp(std::chrono::system_clock::now());
  util::write_file_atomically(options_.status_file, to_json(s));
}

}  // namespace ovl::overlay
