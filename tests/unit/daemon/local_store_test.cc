// The embedded store in a temporary directory: CAS between threads and
// between processes, TTLs (on a test clock and on the real one), and watch.
#include "core/daemon/local_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/overlay/allocate.h"
#include "tests/support/files.h"
#include "tests/support/foreign_lease.h"

namespace ovl::daemon {
namespace {

using namespace overlay;  // the store speaks in the pure core's types

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::allocate;
using test::attrs_for;

net::Cidr cidr(const char* text) { return *net::Cidr::parse(text); }

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ovl-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  NetworkConfig config_ = make_network_config(cidr("100.96.0.0/16"), 24, "udp", 8285, 1);
  fs::path dir_;
};

TEST_F(LocalStoreTest, ConfigRoundTripsInFlannelsJson) {
  LocalStore store(dir_);
  EXPECT_FALSE(store.config());
  store.put_config(config_);
  EXPECT_EQ(test::read_file(dir_ / "config"), R"({"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}})");
  auto back = LocalStore(dir_).config();
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(config_));
}

TEST_F(LocalStoreTest, LeaseFilesHoldFlannelsValue) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 24h));
  auto text = test::read_file(dir_ / "subnets" / "100.96.1.0-24");
  EXPECT_EQ(text.substr(0, text.find('\n')), R"({"PublicIP":"10.0.0.1","PublicIPv6":null})");
  EXPECT_EQ(store.describe(), "local " + dir_.string());
}

TEST_F(LocalStoreTest, CreateIsACompareAndSwap) {
  LocalStore a(dir_), b(dir_);
  auto before = std::chrono::system_clock::now();
  EXPECT_TRUE(a.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  EXPECT_FALSE(b.create_lease(cidr("100.96.1.0/24"), attrs_for(2), 1h));
  auto snapshot = b.leases();
  ASSERT_EQ(snapshot.leases.size(), 1u);
  EXPECT_EQ(snapshot.leases[0].attrs, attrs_for(1));
  EXPECT_GE(snapshot.leases[0].expiration, before + 1h - 1ms);  // stored to the millisecond
  EXPECT_LE(snapshot.leases[0].expiration, std::chrono::system_clock::now() + 1h);
  EXPECT_EQ(snapshot.revision, 1u);
}

// As Flannel's RenewLease: a plain write with a fresh TTL, whoever held the
// subnet and whatever its value was.
TEST_F(LocalStoreTest, RenewalWritesTheLeaseWhoeverHoldsIt) {
  LocalStore store(dir_);
  store.renew_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h);  // absent: written
  ASSERT_EQ(store.leases().leases.size(), 1u);
  store.renew_lease(cidr("100.96.1.0/24"), attrs_for(2), 1min);  // another holder: overwritten
  EXPECT_EQ(store.leases().leases.at(0).attrs, attrs_for(2));
  auto moved = attrs_for(1);  // new backend data (a restarted vxlan node)
  moved.backend_type = "vxlan";
  moved.vxlan = overlay::VxlanBackendData{1, *net::Mac::parse("52:17:43:ba:2e:56")};
  store.renew_lease(cidr("100.96.1.0/24"), moved, 1h);
  EXPECT_EQ(store.leases().leases.at(0).attrs, moved);
  EXPECT_GT(store.leases().leases.at(0).expiration, std::chrono::system_clock::now() + 50min);
}

// A value another writer left that is not a lease is listed as unusable
// with the reason, still holds its subnet, and is not dropped.
TEST_F(LocalStoreTest, AnUnusableValueIsListedNotDropped) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  auto file = dir_ / "subnets" / "100.96.2.0-24";
  test::write_foreign_value(dir_, "100.96.2.0-24", R"({"PublicIP":"172.20.54"})");
  auto snapshot = store.leases();
  EXPECT_TRUE(snapshot.leases.empty());
  ASSERT_EQ(snapshot.unusable.size(), 1u);
  EXPECT_EQ(snapshot.unusable[0].key, file.string());
  EXPECT_EQ(snapshot.unusable[0].reason,
            R"(lease value {"PublicIP":"172.20.54"}: "PublicIP" "172.20.54" is not an IPv4 address)");
  EXPECT_FALSE(store.create_lease(cidr("100.96.2.0/24"), attrs_for(3), 1h));
  EXPECT_TRUE(fs::exists(file));
  EXPECT_EQ(store.key(cidr("100.96.2.0/24")), file.string());
}

TEST_F(LocalStoreTest, LeasesAreOrderedBySubnet) {
  LocalStore store(dir_);
  for (const char* subnet : {"100.96.10.0/24", "100.96.2.0/24", "100.96.1.0/24"})
    ASSERT_TRUE(store.create_lease(cidr(subnet), attrs_for(1), 1h));
  auto leases = store.leases().leases;
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(leases[0].subnet, cidr("100.96.1.0/24"));
  EXPECT_EQ(leases[1].subnet, cidr("100.96.2.0/24"));
  EXPECT_EQ(leases[2].subnet, cidr("100.96.10.0/24"));
}

TEST_F(LocalStoreTest, DeleteFreesTheSubnet) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  store.delete_lease(cidr("100.96.1.0/24"));
  store.delete_lease(cidr("100.96.1.0/24"));  // already gone: nothing happens
  EXPECT_TRUE(store.leases().leases.empty());
  EXPECT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(2), 1h));
  EXPECT_EQ(store.leases().revision, 3u);
}

TEST_F(LocalStoreTest, ExpiredLeasesAreReapedWithAnEvent) {
  auto now = std::chrono::system_clock::now();
  LocalStore store(dir_, [&] { return now; });
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 60s));
  uint64_t revision = store.leases().revision;
  now += 59s;
  EXPECT_EQ(store.leases().leases.size(), 1u);
  EXPECT_FALSE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(2), 60s));
  now += 1s;
  EXPECT_TRUE(store.leases().leases.empty());
  EXPECT_FALSE(fs::exists(dir_ / "subnets" / "100.96.1.0-24"));
  auto result = store.watch(revision, 0ms);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].type, LeaseEvent::Type::removed);
  EXPECT_EQ(result.events[0].lease.subnet, cidr("100.96.1.0/24"));
  EXPECT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(2), 60s));
}

TEST_F(LocalStoreTest, WatchWakesWhenALeaseExpires) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1s));
  uint64_t revision = store.leases().revision;
  auto start = std::chrono::steady_clock::now();
  auto result = store.watch(revision, 10s);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].type, LeaseEvent::Type::removed);
  EXPECT_LT(waited, 3s) << "the watch should wake at the expiry, not at its timeout";
  EXPECT_GT(result.revision, revision);
}

TEST_F(LocalStoreTest, WatchSeesAnotherWritersChanges) {
  LocalStore store(dir_);
  uint64_t revision = store.leases().revision;
  std::thread writer([&] {
    std::this_thread::sleep_for(200ms);
    LocalStore(dir_).create_lease(cidr("100.96.7.0/24"), attrs_for(7), 1h);
  });
  auto start = std::chrono::steady_clock::now();
  auto added = store.watch(revision, 10s);
  writer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_EQ(added.events.size(), 1u);
  EXPECT_EQ(added.events[0].type, LeaseEvent::Type::added);
  EXPECT_EQ(added.events[0].lease.subnet, cidr("100.96.7.0/24"));
  EXPECT_EQ(added.events[0].lease.attrs, attrs_for(7));

  LocalStore(dir_).delete_lease(cidr("100.96.7.0/24"));
  auto removed = store.watch(added.revision, 10s);
  ASSERT_EQ(removed.events.size(), 1u);
  EXPECT_EQ(removed.events[0].type, LeaseEvent::Type::removed);
  EXPECT_EQ(removed.events[0].lease.subnet, cidr("100.96.7.0/24"));
  EXPECT_FALSE(removed.resync);
}

TEST_F(LocalStoreTest, WatchReturnsEverythingAfterTheRevisionInOrder) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  ASSERT_TRUE(store.create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  store.delete_lease(cidr("100.96.1.0/24"));
  auto result = store.watch(1, 0ms);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].lease.subnet, cidr("100.96.2.0/24"));
  EXPECT_EQ(result.events[1].type, LeaseEvent::Type::removed);
  EXPECT_EQ(result.revision, 3u);
}

TEST_F(LocalStoreTest, QuietWatchTimesOut) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  auto start = std::chrono::steady_clock::now();
  auto result = store.watch(1, 300ms);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.events.empty());
  EXPECT_EQ(result.revision, 1u);
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 2s);
}

TEST_F(LocalStoreTest, LostHistoryMeansResync) {
  {
    LocalStore store(dir_);
    ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
    ASSERT_TRUE(store.create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  }
  fs::remove_all(dir_);  // the store's directory wiped, as by a reboot of /run
  LocalStore store(dir_);
  auto result = store.watch(2, 0ms);
  EXPECT_TRUE(result.resync);
  EXPECT_EQ(result.revision, 0u);
}

TEST_F(LocalStoreTest, ATornLogLineIsSkipped) {
  LocalStore store(dir_);
  ASSERT_TRUE(store.create_lease(cidr("100.96.1.0/24"), attrs_for(1), 1h));
  std::ofstream(dir_ / "log", std::ios::app) << R"({"revision":2,"type":"add)";  // a crash mid-append
  ASSERT_TRUE(store.create_lease(cidr("100.96.2.0/24"), attrs_for(2), 1h));
  auto result = store.watch(1, 0ms);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].lease.subnet, cidr("100.96.2.0/24"));
  EXPECT_EQ(result.revision, 2u);
}

TEST_F(LocalStoreTest, AnUnusableDirectoryIsUnavailable) {
  std::ofstream(dir_) << "a file, not a directory";
  try {
    LocalStore store(dir_);
    FAIL() << "expected StoreUnavailable";
  } catch (const StoreUnavailable& e) {
    EXPECT_EQ(std::string(e.what()).rfind("local " + dir_.string() + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("while creating the store directory"), std::string::npos) << e.what();
  }
  fs::remove(dir_);
}

TEST_F(LocalStoreTest, TenThreadsGetTenDistinctSubnets) {
  LocalStore(dir_).put_config(config_);
  std::vector<std::optional<net::Cidr>> got(10);
  std::atomic<int> ready{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 10; ++i)
    racers.emplace_back([&, i] {
      LocalStore store(dir_);
      for (++ready; ready < 10;) std::this_thread::yield();
      got[i] = allocate(store, config_, attrs_for(i + 1), 1h);
    });
  for (auto& t : racers) t.join();
  std::set<net::Cidr> distinct;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(got[i]) << "racer " << i << " got no subnet";
    distinct.insert(*got[i]);
  }
  EXPECT_EQ(distinct.size(), 10u);
  auto leases = LocalStore(dir_).leases().leases;
  ASSERT_EQ(leases.size(), 10u);
  for (const auto& lease : leases) {
    int host = lease.attrs.public_ip.value() & 255;
    EXPECT_EQ(got.at(host - 1), lease.subnet) << "the lease on " << lease.subnet.str() << " is not its winner's";
  }
}

// Ten processes, released at once, each allocating for its own host: a
// broken CAS shows up as two processes that both think they won a subnet.
TEST_F(LocalStoreTest, TenProcessesGetTenDistinctSubnets) {
  LocalStore(dir_).put_config(config_);
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  std::vector<pid_t> children;
  for (int i = 1; i <= 10; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      (void)!::read(gate[0], &c, 1);  // returns at EOF, when the parent lets go
      LocalStore store(dir_);
      auto subnet = allocate(store, config_, attrs_for(i), 1h);
      bool mine = false;
      for (const auto& lease : store.leases().leases) mine = mine || (subnet && lease.subnet == *subnet && lease.attrs == attrs_for(i));
      ::_exit(mine ? 0 : 1);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "an allocator lost its subnet";
  }
  auto leases = LocalStore(dir_).leases().leases;
  ASSERT_EQ(leases.size(), 10u);
  std::set<uint32_t> holders;
  for (const auto& lease : leases) holders.insert(lease.attrs.public_ip.value());
  EXPECT_EQ(holders.size(), 10u);
}

}  // namespace
}  // namespace ovl::daemon
