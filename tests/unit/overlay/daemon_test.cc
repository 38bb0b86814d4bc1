// overlayd's loop against the embedded store and a backend fake: the lease
// taken as Flannel would, subnet.env, peers joining and leaving through the
// watch, and the lease renewed before it expires. No root, no devices.
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
  LeaseAttrs prepare() override { return LeaseAttrs{net::Ipv4(172, 20, 33, 102), "udp", std::nullopt}; }
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
  ASSERT_TRUE(store.create_lease(*net::Cidr::parse("100.96.2.0/24"), {net::Ipv4(172, 20, 54, 98), "udp", {}}, 1h));
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

  ASSERT_TRUE(store.create_lease(*net::Cidr::parse("100.96.3.0/24"), {net::Ipv4(172, 20, 40, 7), "udp", {}}, 1h));
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

}  // namespace
}  // namespace ovl::overlay
