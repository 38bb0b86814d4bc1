#include "core/overlay/daemon.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

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
  config_ = wait_for_config(stop);
  if (stop) return;
  backend_ = host_.make_backend(config_, *external_);
  auto attrs = backend_->prepare();
  auto acquired = acquire(config_, attrs, stop);
  if (stop) return;
  own_ = acquired.lease;
  for (const auto& note : acquired.notes) log(note);
  log("leased " + own_.subnet.str() + " (" + to_string(acquired.how) + ")");
  next_renewal_ = own_.expiration - options_.renew_margin;
  backend_->start(own_);
  write_subnet_env(config_, own_, backend_->mtu());
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

namespace {

// Flannel routes whatever it is given; a lease outside the network (say
// 0.0.0.0-0) would take over the node's traffic, so it is not used.
std::string outside(const NetworkConfig& config, const net::Cidr& subnet) {
  if (config.network.contains(subnet)) return "";
  return "lease " + subnet.str() + " is outside the network " + config.network.str();
}

std::string duration_text(std::chrono::seconds d) {
  return d.count() % 60 == 0 ? std::to_string(d.count() / 60) + " min" : std::to_string(d.count()) + " s";
}

}  // namespace

void Daemon::sync_peers(const LeaseSnapshot& snapshot) {
  std::map<std::string, std::string> unusable;
  for (const auto& u : snapshot.unusable) unusable[u.key] = u.reason;
  std::map<net::Cidr, Lease> fresh;
  for (const auto& l : snapshot.leases) {
    if (l.subnet == own_.subnet) continue;
    if (auto why = outside(config_, l.subnet); !why.empty())
      unusable[store_.key(l.subnet)] = why;
    else
      fresh[l.subnet] = l;
  }
  for (auto it = peers_.begin(); it != peers_.end();) {
    auto subnet = (it++)->first;
    if (!fresh.count(subnet)) remove_peer(subnet, "");
  }
  for (const auto& [subnet, lease] : fresh) {
    auto it = peers_.find(subnet);
    if (it == peers_.end() || !(it->second.attrs == lease.attrs)) add_peer(lease);
  }
  set_unusable(std::move(unusable));
}

// Logs and counts each value that became unusable (or unusable for another
// reason); the status file lists what is unusable now.
void Daemon::set_unusable(std::map<std::string, std::string> now) {
  for (const auto& [key, reason] : now) {
    auto it = unusable_.find(key);
    if (it != unusable_.end() && it->second == reason) continue;
    ++unusable_seen_;
    log("ignoring " + key + ": " + reason);
  }
  unusable_ = std::move(now);
}

void Daemon::apply(const LeaseEvent& e) {
  const auto& subnet = e.lease.subnet;
  std::string why = e.type == LeaseEvent::Type::unusable ? e.reason
                    : e.type == LeaseEvent::Type::added  ? outside(config_, subnet)
                                                         : "";
  if (!why.empty()) {
    auto now = unusable_;
    now[e.key] = why;
    set_unusable(std::move(now));
    if (subnet != own_.subnet) remove_peer(subnet, " (its lease value cannot be used)");
    return;
  }
  unusable_.erase(e.key);
  if (subnet == own_.subnet) {
    if (e.type == LeaseEvent::Type::removed)
      throw std::runtime_error("this node's lease " + subnet.str() + " was revoked; shutting down");
    if (e.lease.expiration > own_.expiration) {  // renewed by another writer
      own_.expiration = e.lease.expiration;
      next_renewal_ = own_.expiration - options_.renew_margin;
    }
    return;
  }
  if (e.type == LeaseEvent::Type::removed)
    remove_peer(subnet, "");
  else
    add_peer(e.lease);
}

void Daemon::add_peer(const Lease& lease) {
  peers_[lease.subnet] = lease;
  try {
    backend_->add_peer(lease);
  } catch (const PeerSkipped& skipped) {
    log("peer skipped: " + std::string(skipped.what()));
    return;
  }
  log("peer joined: " + lease.subnet.str() + " via " + lease.attrs.public_ip.str());
}

void Daemon::remove_peer(const net::Cidr& subnet, const std::string& why) {
  if (!peers_.erase(subnet)) return;
  backend_->remove_peer(subnet);
  log("peer left: " + subnet.str() + why);
}

void Daemon::follow_store(const std::atomic<bool>& stop) {
  bool need_list = true, dirty = true;
  auto last_status = std::chrono::steady_clock::time_point();
  auto state = [&] { return std::make_tuple(peers_.size(), store_ok_, unusable_seen_, unusable_.size()); };
  auto seen = state();
  // Status follows changes (the lab waits on it) and counters each second.
  // The file grows with the peers, so while peers keep joining it is
  // rewritten at most every millisecond per peer: a thousand daemons
  // learning a thousand peers write it a few times each, not a million.
  auto keep_status = [&](bool changed) {
    auto now_state = state();
    dirty = dirty || changed || now_state != seen;
    seen = now_state;
    auto since = std::chrono::steady_clock::now() - last_status;
    if ((dirty && since >= std::chrono::milliseconds(peers_.size())) || since >= 1s) {
      write_status();
      last_status = std::chrono::steady_clock::now();
      dirty = false;
    }
  };
  while (!stop) {
    // On its own clock, whatever the watch is doing: a store that is away
    // makes renewals fail (and retry), it does not postpone them.
    bool renewal = renew_if_due();
    try {
      if (need_list) {
        auto snapshot = store_.leases();
        sync_peers(snapshot);
        revision_ = snapshot.revision;
        need_list = false;
        if (!store_ok_) log("store is back: " + store_.describe());
        store_ok_ = true;
      }
      keep_status(renewal);  // before the watch blocks, not a wait later
      // Short waits keep shutdown prompt; a lab's store is next door.
      auto result = store_.watch(revision_, 250ms);
      for (const auto& e : result.events) apply(e);
      revision_ = result.revision;
      need_list = result.resync;
    } catch (const StoreUnavailable& e) {
      store_failed(e);
      need_list = true;  // events may be lost while it is away
      sleep_unless_stopped(stop, kRetry);
    }
    keep_status(false);
  }
}

// Flannel's renewal: an unconditional put with a fresh TTL when the margin
// is reached; on failure, another try after renew_retry, for ever. Returns
// whether it tried.
bool Daemon::renew_if_due() {
  auto now = std::chrono::system_clock::now();
  if (now < next_renewal_) return false;
  try {
    store_.renew_lease(own_.subnet, own_.attrs, options_.lease_ttl);
  } catch (const StoreUnavailable& e) {
    renew_error_ = e.what();
    next_renewal_ = now + options_.renew_retry;
    log("could not renew lease " + own_.subnet.str() + " (trying again in " + duration_text(options_.renew_retry) +
        "): " + e.what());
    return true;
  }
  own_.expiration = now + options_.lease_ttl;
  renewed_ = now;
  renew_error_.clear();
  next_renewal_ = own_.expiration - options_.renew_margin;
  log("renewed lease " + own_.subnet.str() + " until " + utc_timestamp(own_.expiration));
  return true;
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
  if (renewed_ != std::chrono::system_clock::time_point{}) s.lease_renewed = utc_timestamp(renewed_);
  s.lease_next_renewal = utc_timestamp(next_renewal_);
  s.lease_renew_error = renew_error_;
  s.mtu = backend_->mtu();
  s.store = {store_.describe(), store_ok_, store_ok_ ? "" : store_error_};
  for (const auto& [key, reason] : unusable_) s.unusable_leases.push_back({key, reason});
  s.unusable_seen = unusable_seen_;
  // Unchanged but for the time: not rewritten. An idle lab of many nodes
  // would otherwise create and rename a file per daemon every second.
  if (last_status_ && *last_status_ == s) return;
  last_status_ = s;
  s.updated = utc_timestamp(std::chrono::system_clock::now());
  util::write_file_atomically(options_.status_file, to_json(s));
}

}  // namespace ovl::overlay
