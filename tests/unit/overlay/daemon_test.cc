// overlayd's loop against the embedded store and a backend fake: the lease
// taken as Flannel would, subnet.env, peers joining and leaving through the
// watch, the lease renewed before it expires and retried while the store is
// away, and values that are not leases logged and counted. No root, no
// devices.
#include "core/overlay/daemon.h"

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/daemon/local_store.h"
#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/foreign_lease.h"

namespace ovl::overlay {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::eventually;

struct FakeBackend : Backend {
  std::mutex mutex;
  std::set<net::Cidr> peers;
  std::optional<Lease> started;
  std::string type() const override { return "udp"; }
  int mtu() const override { return 1472; }
  LeaseAttrs prepare() override { return LeaseAttrs{net::Ipv4(172, 20, 33, 102), "", std::nullopt}; }
  void start(const Lease& own) override { started = own; }
  void add_peer(const Lease& peer) override {
    std::lock_guard lock(mutex);
    peers.insert(peer.subnet);
  }
  void remove_peer(const net::Cidr& subnet) override {
    std::lock_guard lock(mutex);
    peers.erase(subnet);
  }
  void stop() override {}
  void describe(DaemonStatus&) const override {}
  bool has(const char* subnet) {
    std::lock_guard lock(mutex);
    return peers.count(*net::Cidr::parse(subnet));
  }
};

class DaemonTest : public testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("ovl-daemon-" + std::to_string(::getpid()));
  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
};

TEST_F(DaemonTest, LeasesFollowsPeersAndRenews) {
  daemon::LocalStore store(dir_ / "store");
  store.put_config(make_network_config(*net::Cidr::parse("100.96.0.0/16"), 24, "udp", 8285, 1));
  ASSERT_TRUE(store.create_lease(*net::Cidr::parse("100.96.2.0/24"), {net::Ipv4(172, 20, 54, 98), "", {}}, 1h));
  std::ofstream(dir_ / "subnet.env") << "FLANNEL_SUBNET=100.96.5.1/24\n";

  std::atomic<FakeBackend*> backend{nullptr};  // owned by the daemon, which outlives every use here
  DaemonHost host;
  host.external = [](const std::string& iface, std::optional<net::Ipv4>) {
    return ExternalIface{iface, net::Ipv4(172, 20, 33, 102), net::Ipv4(172, 20, 33, 102), 1500};
  };
  host.make_backend = [&backend](const NetworkConfig&, const ExternalIface&) {
    auto fake = std::make_unique<FakeBackend>();
    backend = fake.get();
    return std::unique_ptr<Backend>(std::move(fake));
  };
  host.pick = [](size_t) { return size_t(0); };
  DaemonOptions options;
  options.subnet_file = dir_ / "subnet.env";
  options.lease_ttl = 3s;
  options.renew_margin = 2s;
  std::ostringstream log;
  std::atomic<bool> stop{false};
  Daemon daemon(options, store, host, log);
  std::thread running([&] { daemon.run(stop); });

  // subnet.env's previous subnet is reused, and written back in full.
  ASSERT_TRUE(eventually([&] { return test::read_file(dir_ / "subnet.env").find("FLANNEL_MTU") != std::string::npos; }));
  EXPECT_EQ(test::read_file(dir_ / "subnet.env"),
            "FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_SUBNET=100.96.5.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n");
  ASSERT_TRUE(backend.load());
  EXPECT_TRUE(eventually([&] { return backend.load()->has("100.96.2.0/24"); }));

  ASSERT_TRUE(store.create_lease(*net::Cidr::parse("100.96.3.0/24"), {net::Ipv4(172, 20, 40, 7), "", {}}, 1h));
  EXPECT_TRUE(eventually([&] { return backend.load()->has("100.96.3.0/24"); }));
  store.delete_lease(*net::Cidr::parse("100.96.2.0/24"));
  EXPECT_TRUE(eventually([&] { return !backend.load()->has("100.96.2.0/24"); }));

  // A 3 s lease outlives 4 s because it is renewed a second before expiry.
  std::this_thread::sleep_for(4s);
  bool mine = false;
  for (const auto& l : store.leases().leases) mine = mine || l.subnet == *net::Cidr::parse("100.96.5.0/24");
  stop = true;
  running.join();
  EXPECT_TRUE(mine) << log.str();
  EXPECT_NE(log.str().find("renewed lease 100.96.5.0/24"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("peer left: 100.96.2.0/24"), std::string::npos) << log.str();
}

// The embedded store behind a switch that makes it unreachable, as a
// stopped etcd is, and with events of the test's own added to its watch.
class SwitchedStore : public LeaseStore {
 public:
  explicit SwitchedStore(LeaseStore& real) : real_(real) {}
  std::atomic<bool> down{false};
  std::atomic<int> renewals{0};

  void inject(LeaseEvent e) {
    std::lock_guard lock(mutex_);
    injected_.push_back(std::move(e));
  }
  std::optional<NetworkConfig> config() override { return up().config(); }
  void put_config(const NetworkConfig& c) override { up().put_config(c); }
  LeaseSnapshot leases() override { return up().leases(); }
  bool create_lease(const net::Cidr& s, const LeaseAttrs& a, std::chrono::seconds t) override {
    return up().create_lease(s, a, t);
  }
  void renew_lease(const net::Cidr& s, const LeaseAttrs& a, std::chrono::seconds t) override {
    up().renew_lease(s, a, t);
    ++renewals;
  }
  void delete_lease(const net::Cidr& s) override { up().delete_lease(s); }
  WatchResult watch(uint64_t revision, std::chrono::milliseconds timeout) override {
    auto result = up().watch(revision, timeout);
    std::lock_guard lock(mutex_);
    result.events.insert(result.events.end(), injected_.begin(), injected_.end());
    injected_.clear();
    return result;
  }
  std::string key(const net::Cidr& s) const override { return real_.key(s); }
  std::string describe() const override { return real_.describe(); }

 private:
  LeaseStore& up() {
    if (down) throw StoreUnavailable("test store: switched off");
    return real_;
  }
  LeaseStore& real_;
  std::mutex mutex_;
  std::vector<LeaseEvent> injected_;
};

// A daemon over a fake backend on a thread of its own, stopped on scope exit.
struct RunningDaemon {
  std::ostringstream log;  // read only after stop()
  std::atomic<bool> quit{false};
  std::atomic<FakeBackend*> backend{nullptr};
  std::string error;  // what run() threw, if it did
  std::unique_ptr<Daemon> daemon;
  std::thread thread;

  RunningDaemon(LeaseStore& store, DaemonOptions options) {
    DaemonHost host;
    host.external = [](const std::string& iface, std::optional<net::Ipv4>) {
      return ExternalIface{iface, net::Ipv4(172, 20, 33, 102), net::Ipv4(172, 20, 33, 102), 1500};
    };
    host.make_backend = [this](const NetworkConfig&, const ExternalIface&) {
      auto fake = std::make_unique<FakeBackend>();
      backend = fake.get();
      return std::unique_ptr<Backend>(std::move(fake));
    };
    host.pick = [](size_t) { return size_t(0); };
    daemon = std::make_unique<Daemon>(options, store, host, log);
    thread = std::thread([this] {
      try {
        daemon->run(quit);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  void stop() {
    quit = true;
    if (thread.joinable()) thread.join();
  }
  ~RunningDaemon() { stop(); }
};

std::optional<DaemonStatus> status_in(const fs::path& file) {
  return parse_daemon_status(test::read_file(file));
}

TEST_F(DaemonTest, AFailedRenewalIsRetriedAndNeverStopsTheDaemon) {
  daemon::LocalStore local(dir_ / "store");
  local.put_config(make_network_config(*net::Cidr::parse("100.96.0.0/16"), 24, "udp", 8285, 1));
  SwitchedStore store(local);
  DaemonOptions options;
  options.subnet_file = dir_ / "subnet.env";
  options.status_file = dir_ / "status.json";
  options.lease_ttl = 20s;
  options.renew_margin = 19s;  // due a second after the lease is taken
  options.renew_retry = 1s;
  RunningDaemon d(store, options);
  ASSERT_TRUE(eventually([&] { return status_in(options.status_file).has_value(); }));
  store.down = true;
  ASSERT_TRUE(eventually([&] {
    auto s = status_in(options.status_file);
    return s && !s->lease_renew_error.empty() && !s->store.ok;
  })) << "no failed renewal in the status";
  std::this_thread::sleep_for(2500ms);  // more than two retries
  int before = store.renewals;
  store.down = false;
  ASSERT_TRUE(eventually([&] {
    auto s = status_in(options.status_file);
    return store.renewals > before && s && s->lease_renew_error.empty() && s->store.ok;
  }));
  d.stop();
  EXPECT_TRUE(d.error.empty()) << d.error;
  auto log = d.log.str();
  const std::string failure = "could not renew lease 100.96.1.0/24 (trying again in 1 s): test store: switched off";
  size_t failures = 0;
  for (size_t at = 0; (at = log.find(failure, at)) != std::string::npos; ++at) ++failures;
  EXPECT_GE(failures, 2u) << log;
  EXPECT_NE(log.find("renewed lease 100.96.1.0/24", log.rfind("could not renew")), std::string::npos) << log;
}

TEST_F(DaemonTest, ValuesThatAreNotLeasesAreLoggedCountedAndNotRouted) {
  daemon::LocalStore local(dir_ / "store");
  local.put_config(make_network_config(*net::Cidr::parse("100.96.0.0/16"), 24, "udp", 8285, 1));
  ASSERT_TRUE(local.create_lease(*net::Cidr::parse("100.96.2.0/24"), {net::Ipv4(172, 20, 54, 98), "", {}}, 1h));
  ASSERT_TRUE(local.create_lease(*net::Cidr::parse("100.96.3.0/24"), {net::Ipv4(172, 20, 54, 99), "", {}}, 1h));
  ASSERT_TRUE(local.create_lease(*net::Cidr::parse("100.97.0.0/24"), {net::Ipv4(172, 20, 54, 97), "", {}}, 1h));
  auto broken = dir_ / "store/subnets/100.96.3.0-24";
  test::write_foreign_value(dir_ / "store", "100.96.3.0-24", R"({"PublicIP":1})");
  SwitchedStore store(local);
  DaemonOptions options;
  options.subnet_file = dir_ / "subnet.env";
  options.status_file = dir_ / "status.json";
  RunningDaemon d(store, options);
  ASSERT_TRUE(eventually([&] {
    auto s = status_in(options.status_file);
    return s && s->unusable_seen == 2;
  }));
  auto s = *status_in(options.status_file);
  ASSERT_EQ(s.unusable_leases.size(), 2u);
  EXPECT_EQ(s.unusable_leases[0],
            (UnusableLease{broken.string(), R"(lease value {"PublicIP":1}: "PublicIP" 1 is not a string)"}));
  EXPECT_EQ(s.unusable_leases[1].reason, "lease 100.97.0.0/24 is outside the network 100.96.0.0/16");
  EXPECT_TRUE(d.backend.load()->has("100.96.2.0/24"));
  EXPECT_FALSE(d.backend.load()->has("100.96.3.0/24"));
  EXPECT_FALSE(d.backend.load()->has("100.97.0.0/24"));

  // A routed peer's value turns unusable: it is no longer routed; a usable
  // value puts it back and clears it from the status.
  auto peer = *net::Cidr::parse("100.96.2.0/24");
  store.inject(
      {LeaseEvent::Type::unusable, Lease{peer, {}, {}}, store.key(peer), "lease value x: is not a JSON object"});
  EXPECT_TRUE(eventually([&] { return !d.backend.load()->has("100.96.2.0/24"); }));
  EXPECT_TRUE(eventually([&] { return status_in(options.status_file)->unusable_seen == 3; }));
  store.inject({LeaseEvent::Type::added, Lease{peer, {net::Ipv4(172, 20, 54, 98), "", {}}, {}}, store.key(peer), ""});
  EXPECT_TRUE(eventually([&] { return d.backend.load()->has("100.96.2.0/24"); }));
  EXPECT_TRUE(eventually([&] { return status_in(options.status_file)->unusable_leases.size() == 2; }));
  d.stop();
  EXPECT_TRUE(d.error.empty()) << d.error;
  EXPECT_NE(d.log.str().find("ignoring " + broken.string() + ": lease value {\"PublicIP\":1}"), std::string::npos)
      << d.log.str();
  EXPECT_NE(d.log.str().find("peer left: 100.96.2.0/24 (its lease value cannot be used)"), std::string::npos);
}

// Flannel deletes a lease of this node's PublicIP that the config no longer
// allows, and ignores a subnet.env subnet it does not allow.
TEST_F(DaemonTest, AStaleLeaseIsDeletedAndAnUnfitPreviousSubnetIgnored) {
  daemon::LocalStore local(dir_ / "store");
  auto config = make_network_config(*net::Cidr::parse("100.96.0.0/16"), 24, "udp", 8285, 1);
  config.subnet_max = net::Ipv4(100, 96, 9, 0);
  local.put_config(config);
  ASSERT_TRUE(local.create_lease(*net::Cidr::parse("100.96.20.0/24"), {net::Ipv4(172, 20, 33, 102), "", {}}, 1h));
  std::ofstream(dir_ / "subnet.env") << "FLANNEL_SUBNET=100.96.30.1/24\n";
  DaemonOptions options;
  options.subnet_file = dir_ / "subnet.env";
  RunningDaemon d(local, options);
  ASSERT_TRUE(eventually(
      [&] { return test::read_file(dir_ / "subnet.env").find("FLANNEL_MTU") != std::string::npos; }));
  d.stop();
  EXPECT_EQ(test::read_file(dir_ / "subnet.env").find("FLANNEL_SUBNET=100.96.1.1/24"), 30u);
  auto leases = local.leases().leases;
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].subnet.str(), "100.96.1.0/24");
  auto log = d.log.str();
  EXPECT_NE(log.find("subnet.env's previous subnet is not used: 100.96.30.0/24 is outside SubnetMin..SubnetMax "
                     "(100.96.1.0 to 100.96.9.0)"), std::string::npos) << log;
  EXPECT_NE(log.find("deleted lease 100.96.20.0/24 held by 172.20.33.102: it no longer fits the network config "
                     "(100.96.20.0/24 is outside SubnetMin..SubnetMax (100.96.1.0 to 100.96.9.0))"), std::string::npos)
      << log;
}

}  // namespace
}  // namespace ovl::overlay
