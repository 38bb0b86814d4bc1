// The etcd store against the real /usr/bin/etcd (root). Each test starts its
// own etcd inside a network namespace of its own, ovl-ut-etcd-<pid>,
// listening on 127.0.0.1 there, with its data in a temporary directory. The
// test process stays in the host namespace and reaches etcd through sockets
// made in that namespace (the store's netns_fd), as overlayd does in a lab.
// TearDown stops that etcd by PID and removes the namespace and directory,
// also when the test failed.
#include "core/daemon/etcd_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/os/exec.h"
#include "core/os/netns.h"
#include "core/os/rtnl.h"
#include "tests/unit/overlay/allocate.h"
#include "tests/support/files.h"

namespace ovl::daemon {
namespace {

using namespace overlay;  // the store speaks in the pure core's types

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::allocate;
using test::attrs_for;
using Steady = std::chrono::steady_clock;

constexpr const char* kEtcd = "/usr/bin/etcd";
constexpr const char* kEndpoint = "http://127.0.0.1:2379";

net::Cidr cidr(const char* text) { return *net::Cidr::parse(text); }

class EtcdStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "etcd store tests run etcd in a network namespace of their own: run as root";
    if (!fs::exists(kEtcd)) GTEST_SKIP() << kEtcd << " is missing: install Debian's etcd-server";
    netns_ = "ovl-ut-etcd-" + std::to_string(::getpid());
    dir_ = fs::temp_directory_path() / (netns_ + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    os::create_named_netns(netns_, [this](os::NetnsId id) { netns_id_ = id; });
    netns_fd_ = os::open_named_netns(netns_);
    os::Rtnl(netns_fd_.get()).set_up("lo");
    ASSERT_TRUE(start_etcd()) << "etcd did not come up; its log:\n" << test::read_file(dir_ / "etcd.log");
    store_ = make_store();
  }

  void TearDown() override {
    stop_etcd();
    store_.reset();
    netns_fd_.reset();
    if (netns_id_) os::delete_named_netns(netns_, netns_id_);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<EtcdStore> make_store() {
    return std::make_unique<EtcdStore>(std::vector<std::string>{kEndpoint}, kDefaultPrefix, netns_fd_.get());
  }

  std::vector<std::string> etcd_argv() const {
    auto data = (dir_ / "data").string();
    return {kEtcd, "--name", "ut", "--data-dir", data,
            "--listen-client-urls", kEndpoint, "--advertise-client-urls", kEndpoint,
            "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", "ut=http://127.0.0.1:2380", "--log-level", "warn"};
  }

  // Runs argv inside the test namespace with stdout and stderr to log;
  // returns the child's PID.
  pid_t spawn_in_netns(const std::vector<std::string>& argv, const fs::path& log) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no etcd behind
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    try {
      os::exec_in_netns(netns_, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
    ::_exit(127);
  }

  // Starts etcd and waits until it answers.
  bool start_etcd() {
    etcd_pid_ = spawn_in_netns(etcd_argv(), dir_ / "etcd.log");
    auto probe = make_store();
    for (auto until = Steady::now() + 20s; Steady::now() < until;) {
      try {
        probe->config();
        return true;
      } catch (const StoreUnavailable&) {
        if (::waitpid(etcd_pid_, nullptr, WNOHANG) == etcd_pid_) {
          etcd_pid_ = -1;  // it exited: see etcd.log
          return false;
        }
        std::this_thread::sleep_for(100ms);
      }
    }
    return false;
  }

  // Stops the etcd this test started, by its PID only.
  void stop_etcd() {
    if (etcd_pid_ <= 0) return;
    ::kill(etcd_pid_, SIGTERM);
    bool exited = false;
    for (auto until = Steady::now() + 10s; !exited && Steady::now() < until;) {
      exited = ::waitpid(etcd_pid_, nullptr, WNOHANG) == etcd_pid_;
      if (!exited) std::this_thread::sleep_for(50ms);
    }
    if (!exited) {
      ::kill(etcd_pid_, SIGKILL);
      ::waitpid(etcd_pid_, nullptr, 0);
    }
    etcd_pid_ = -1;
  }

  // etcdctl inside the namespace, as a student would run it on the etcd node.
  std::string etcdctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"etcdctl", std::string("--endpoints=") + kEndpoint});
    auto out = dir_ / "etcdctl.out";
    fs::remove(out);
    pid_t pid = spawn_in_netns(args, out);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_file(out);
    return test::read_file(out);
  }

  std::string netns_;
  fs::path dir_;
  os::NetnsId netns_id_ = 0;
  os::Fd netns_fd_;
  pid_t etcd_pid_ = -1;
  std::unique_ptr<EtcdStore> store_;
  NetworkConfig config_ = make_network_config(cidr("100.96.0.0/16"), 24, "udp", 8285, 1);
};

TEST_F(EtcdStoreTest, KeepsFlannelsKeyLayout) {
  EXPECT_FALSE(store_->config());
  store_->put_config(config_);
  LeaseAttrs node1{*net::Ipv4::parse("172.20.33.102"), "", std::nullopt};  // udp: no BackendType
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), node1, kLeaseTtl));
  EXPECT_EQ(etcdctl({"get", "--prefix", "/coreos.com/network"}),
            "/coreos.com/network/config\n"
            R"({"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}})" "\n"
            "/coreos.com/network/subnets/100.96.1.0-24\n"
            R"({"PublicIP":"172.20.33.102","PublicIPv6":null})" "\n");
  auto back = store_->config();
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(config_));
}

TEST_F(EtcdStoreTest, CreateIsACompareAndSwap) {
  EXPECT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  EXPECT_FALSE(make_store()->create_lease(cidr("100.96.1.0/24"), attrs_for(2), 1h));
  auto leases = store_->leases().leases;
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].attrs, attrs_for(1));
}

TEST_F(EtcdStoreTest, TenThreadsGetTenDistinctSubnets) {
  store_->put_config(config_);
  std::vector<std::optional<net::Cidr>> got(10);
  std::vector<std::thread> racers;
  std::atomic<int> ready{0};
  for (int i = 0; i < 10; ++i)
    racers.emplace_back([&, i] {
      auto store = make_store();
      for (++ready; ready < 10;) std::this_thread::yield();
      got[i] = allocate(*store, config_, attrs_for(i + 1), 1h);
    });
  for (auto& t : racers) t.join();
  std::set<net::Cidr> distinct;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(got[i]) << "racer " << i << " got no subnet";
    distinct.insert(*got[i]);
  }
  EXPECT_EQ(distinct.size(), 10u);
  auto leases = store_->leases().leases;
  ASSERT_EQ(leases.size(), 10u);
  for (const auto& lease : leases) {
    int host = lease.attrs.public_ip.value() & 255;
    EXPECT_EQ(got.at(host - 1), lease.subnet) << "the lease on " << lease.subnet.str() << " is not its winner's";
  }
}

// Flannel's RenewLease: a new etcd lease and a plain put, whoever wrote the
// value last (here a Flannel node, in its own form).
TEST_F(EtcdStoreTest, RenewalIsAPlainPutWithAFreshLeaseAndDeleteFrees) {
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 60s));
  etcdctl({"put", "/coreos.com/network/subnets/100.96.1.0-24", R"({"PublicIP":"10.0.0.2","PublicIPv6":null})"});
  EXPECT_EQ(store_->leases().leases.at(0).attrs, attrs_for(2));
  store_->renew_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h);
  EXPECT_EQ(store_->leases().leases.at(0).attrs, attrs_for(1));
  auto moved = attrs_for(1);  // new backend data (a restarted vxlan node)
  moved.backend_type = "vxlan";
  moved.vxlan = overlay::VxlanBackendData{1, *net::Mac::parse("52:17:43:ba:2e:56")};
  store_->renew_lease(cidr("100.96.1.0/24"), moved, 1h);
  EXPECT_EQ(store_->leases().leases.at(0).attrs, moved);
  EXPECT_GT(store_->leases().leases.at(0).expiration, std::chrono::system_clock::now() + 50min);
  store_->delete_lease(cidr("100.96.1.0/24"));
  EXPECT_TRUE(store_->leases().leases.empty());
  store_->renew_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h);  // absent: written all the same
  EXPECT_EQ(store_->leases().leases.size(), 1u);
  EXPECT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(2), 1h));
}

// Values a Flannel node wrote, of every era, are leases; values that are
// not are listed and watched as unusable, with their key and the reason.
TEST_F(EtcdStoreTest, FlannelsValuesAreLeasesAndOthersAreUnusable) {
  uint64_t revision = store_->leases().revision;
  etcdctl({"put", "/coreos.com/network/subnets/100.96.2.0-24", R"({"PublicIP":"172.20.54.98"})"});
  etcdctl({"put", "/coreos.com/network/subnets/100.96.3.0-24",
           R"({"PublicIP":"172.20.54.99","PublicIPv6":null,"BackendType":"vxlan",)"
           R"("BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}})"});
  etcdctl({"put", "/coreos.com/network/subnets/100.96.4.0-24", R"({"PublicIP":"172.20.54"})"});
  etcdctl({"put", "/coreos.com/network/subnets/garbage", R"({"PublicIP":"172.20.54.97"})"});
  auto snapshot = store_->leases();
  ASSERT_EQ(snapshot.leases.size(), 2u);
  EXPECT_EQ(snapshot.leases[0].attrs, (LeaseAttrs{net::Ipv4(172, 20, 54, 98), "", std::nullopt}));
  EXPECT_EQ(snapshot.leases[1].attrs.vxlan->vtep_mac, *net::Mac::parse("c6:d2:32:6f:8f:44"));
  ASSERT_EQ(snapshot.unusable.size(), 2u);
  EXPECT_EQ(snapshot.unusable[0].key, "/coreos.com/network/subnets/100.96.4.0-24");
  EXPECT_EQ(snapshot.unusable[0].reason,
            R"(lease value {"PublicIP":"172.20.54"}: "PublicIP" "172.20.54" is not an IPv4 address)");
  EXPECT_EQ(snapshot.unusable[1].key, "/coreos.com/network/subnets/garbage");
  EXPECT_EQ(snapshot.unusable[1].reason,
            "the key does not name a subnet (/coreos.com/network/subnets/100.96.1.0-24 does)");
  std::vector<LeaseEvent> events;
  for (auto start = Steady::now(); events.size() < 4 && Steady::now() - start < 10s;) {
    auto result = store_->watch(revision, 2s);
    events.insert(events.end(), result.events.begin(), result.events.end());
    revision = result.revision;
  }
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, LeaseEvent::Type::added);
  EXPECT_EQ(events[0].key, "/coreos.com/network/subnets/100.96.2.0-24");
  EXPECT_EQ(events[2].type, LeaseEvent::Type::unusable);
  EXPECT_EQ(events[2].lease.subnet, cidr("100.96.4.0/24"));
  EXPECT_EQ(events[2].reason, snapshot.unusable[0].reason);
  EXPECT_EQ(events[3].type, LeaseEvent::Type::unusable);
  EXPECT_EQ(events[3].key, "/coreos.com/network/subnets/garbage");
  EXPECT_EQ(store_->key(cidr("100.96.4.0/24")), "/coreos.com/network/subnets/100.96.4.0-24");
}

TEST_F(EtcdStoreTest, LeasesCarryTheirExpirations) {
  ASSERT_TRUE(store_->create_lease(cidr("100.96.2.0/24"), attrs_for(2), 3600s));
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 100s));
  auto now = std::chrono::system_clock::now();
  auto snapshot = store_->leases();
  ASSERT_EQ(snapshot.leases.size(), 2u);
  EXPECT_EQ(snapshot.leases[0].subnet, cidr("100.96.1.0/24"));
  EXPECT_EQ(snapshot.leases[1].subnet, cidr("100.96.2.0/24"));
  auto near = [&](std::chrono::system_clock::time_point t, std::chrono::seconds ttl) {
    return t > now + ttl - 5s && t <= now + ttl + 1s;
  };
  EXPECT_TRUE(near(snapshot.leases[0].expiration, 100s));
  EXPECT_TRUE(near(snapshot.leases[1].expiration, 3600s));
  EXPECT_GE(snapshot.revision, 2u);
}

TEST_F(EtcdStoreTest, TtlExpiryIsSeenThroughTheWatch) {
  // etcd's shortest lease is 2 s with its default election timeout.
  ASSERT_TRUE(store_->create_lease(cidr("100.96.3.0/24"), attrs_for(3), 2s));
  uint64_t revision = store_->leases().revision;
  bool removed = false;
  auto start = Steady::now();
  while (!removed && Steady::now() - start < 20s) {
    auto result = store_->watch(revision, 1s);
    ASSERT_FALSE(result.resync);
    for (const auto& e : result.events)
      removed = removed || (e.type == LeaseEvent::Type::removed && e.lease.subnet == cidr("100.96.3.0/24"));
    revision = result.revision;
  }
  EXPECT_TRUE(removed) << "no removal seen within 20 s of a 2 s lease";
  EXPECT_GE(Steady::now() - start, 1s);
  EXPECT_TRUE(store_->leases().leases.empty());
}

TEST_F(EtcdStoreTest, WatchSeesAddedAndRemoved) {
  uint64_t revision = store_->leases().revision;
  std::thread writer([&] {
    std::this_thread::sleep_for(300ms);
    make_store()->create_lease(cidr("100.96.7.0/24"), attrs_for(7), 1h);
  });
  auto start = Steady::now();
  auto added = store_->watch(revision, 10s);
  writer.join();
  EXPECT_LT(Steady::now() - start, 5s);
  ASSERT_EQ(added.events.size(), 1u);
  EXPECT_EQ(added.events[0].type, LeaseEvent::Type::added);
  EXPECT_EQ(added.events[0].lease.subnet, cidr("100.96.7.0/24"));
  EXPECT_EQ(added.events[0].lease.attrs, attrs_for(7));
  EXPECT_GT(added.revision, revision);

  store_->delete_lease(cidr("100.96.7.0/24"));
  auto removed = store_->watch(added.revision, 10s);
  ASSERT_EQ(removed.events.size(), 1u);
  EXPECT_EQ(removed.events[0].type, LeaseEvent::Type::removed);
  EXPECT_EQ(removed.events[0].lease.subnet, cidr("100.96.7.0/24"));
  EXPECT_FALSE(removed.resync);
}

TEST_F(EtcdStoreTest, WatchReplaysHistoryInOrder) {
  uint64_t revision = store_->leases().revision;
  store_->put_config(config_);  // not a lease: not an event
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  ASSERT_TRUE(store_->create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  store_->delete_lease(cidr("100.96.1.0/24"));
  std::vector<LeaseEvent> events;
  for (auto start = Steady::now(); events.size() < 3 && Steady::now() - start < 10s;) {
    auto result = store_->watch(revision, 2s);
    ASSERT_FALSE(result.resync);
    events.insert(events.end(), result.events.begin(), result.events.end());
    revision = result.revision;
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].lease.subnet, cidr("100.96.1.0/24"));
  EXPECT_EQ(events[1].lease.subnet, cidr("100.96.2.0/24"));
  EXPECT_EQ(events[2].type, LeaseEvent::Type::removed);
  EXPECT_EQ(events[2].lease.subnet, cidr("100.96.1.0/24"));
}

TEST_F(EtcdStoreTest, QuietWatchTimesOut) {
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  uint64_t revision = store_->leases().revision;
  auto start = Steady::now();
  auto result = store_->watch(revision, 300ms);
  auto waited = Steady::now() - start;
  EXPECT_TRUE(result.events.empty());
  EXPECT_FALSE(result.resync);
  EXPECT_EQ(result.revision, revision);
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 2s);
}

TEST_F(EtcdStoreTest, CompactedHistoryMeansResync) {
  uint64_t revision = store_->leases().revision;
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  store_->delete_lease(cidr("100.96.1.0/24"));
  ASSERT_TRUE(store_->create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  etcdctl({"compact", std::to_string(store_->leases().revision)});
  auto result = store_->watch(revision, 2s);
  EXPECT_TRUE(result.resync);
  EXPECT_TRUE(result.events.empty());
}

TEST_F(EtcdStoreTest, AStoppedStoreIsUnavailableThenComesBack) {
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  uint64_t revision = store_->leases().revision;
  // A watch in progress when etcd stops ends with an error, not at its timeout.
  std::thread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stop_etcd();
  });
  auto start = Steady::now();
  EXPECT_THROW(store_->watch(revision, 30s), StoreUnavailable);
  stopper.join();
  EXPECT_LT(Steady::now() - start, 15s);
  try {
    store_->leases();
    ADD_FAILURE() << "expected StoreUnavailable";
  } catch (const StoreUnavailable& e) {
    EXPECT_STREQ(e.what(), "etcd http://127.0.0.1:2379: connection refused while reading /coreos.com/network/subnets");
  }
  EXPECT_THROW(store_->create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h), StoreUnavailable);

  ASSERT_TRUE(start_etcd()) << test::read_file(dir_ / "etcd.log");
  auto leases = store_->leases().leases;  // the same data directory: nothing lost
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].attrs, attrs_for(1));
  auto result = store_->watch(revision, 300ms);
  EXPECT_FALSE(result.resync);
}

TEST_F(EtcdStoreTest, AStoreRestartedEmptyMeansResync) {
  ASSERT_TRUE(store_->create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  ASSERT_TRUE(store_->create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  uint64_t revision = store_->leases().revision;
  stop_etcd();
  fs::remove_all(dir_ / "data");
  ASSERT_TRUE(start_etcd()) << test::read_file(dir_ / "etcd.log");
  auto result = store_->watch(revision, 2s);
  EXPECT_TRUE(result.resync);
  EXPECT_LT(result.revision, revision);
  EXPECT_TRUE(store_->leases().leases.empty());
}

}  // namespace
}  // namespace ovl::daemon
