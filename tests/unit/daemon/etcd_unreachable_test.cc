// The etcd store without an etcd: construction checks and the errors a
// student sees when the store is down. (The store against a real etcd is
// in etcd_store_test.cc, a lab test.)
#include <fcntl.h>

#include <gtest/gtest.h>

#include "core/daemon/etcd_store.h"

namespace ovl::daemon {
namespace {

using namespace overlay;  // the store speaks in the pure core's types

std::string error_of(LeaseStore& store) {
  try {
    store.config();
  } catch (const StoreUnavailable& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EtcdEndpoints, SplitsFlannelsFlag) {
  EXPECT_EQ(parse_etcd_endpoints("http://172.20.33.102:2379"), std::vector<std::string>{"http://172.20.33.102:2379"});
  EXPECT_EQ(parse_etcd_endpoints("http://a:2379, http://b:2379,"),
            (std::vector<std::string>{"http://a:2379", "http://b:2379"}));
  EXPECT_TRUE(parse_etcd_endpoints("").empty());
}

TEST(EtcdStore, RefusesWhatItCannotUse) {
  EXPECT_THROW(EtcdStore({}), std::invalid_argument);
  EXPECT_THROW(EtcdStore({"https://127.0.0.1:2379"}), std::invalid_argument);
  EXPECT_THROW(EtcdStore({"127.0.0.1:2379"}), std::invalid_argument);
  EXPECT_THROW(EtcdStore({"http://127.0.0.1:2379"}, "coreos.com/network"), std::invalid_argument);
}

TEST(EtcdStore, DescribesItself) {
  EXPECT_EQ(EtcdStore({"http://172.20.33.102:2379"}).describe(), "etcd http://172.20.33.102:2379 /coreos.com/network");
  EXPECT_EQ(EtcdStore({"http://a:1", "http://b:2"}, "/x/net/").describe(), "etcd http://a:1,http://b:2 /x/net");
}

// Port 1 on loopback: nothing listens there, so the kernel refuses at once.
TEST(EtcdStore, ADownStoreSaysWhereAndWhat) {
  EtcdStore store({"http://127.0.0.1:1"});
  EXPECT_EQ(error_of(store), "etcd http://127.0.0.1:1: connection refused while reading /coreos.com/network/config");
  try {
    store.leases();
    FAIL() << "expected StoreUnavailable";
  } catch (const StoreUnavailable& e) {
    EXPECT_STREQ(e.what(), "etcd http://127.0.0.1:1: connection refused while reading /coreos.com/network/subnets");
  }
  EXPECT_THROW(store.watch(0, std::chrono::milliseconds(100)), StoreUnavailable);
}

TEST(EtcdStore, TriesEveryEndpointInOrder) {
  EtcdStore store({"http://127.0.0.1:1", "http://127.0.0.1:2"}, "/x");
  EXPECT_EQ(error_of(store),
            "etcd http://127.0.0.1:1: connection refused while reading /x/config; "
            "etcd http://127.0.0.1:2: connection refused while reading /x/config");
}

TEST(EtcdStore, ABadNamespaceIsReportedNotFatal) {
  int not_a_netns = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(not_a_netns, 0);
  EtcdStore store({"http://127.0.0.1:1"}, kDefaultPrefix, not_a_netns);
  auto error = error_of(store);
  ::close(not_a_netns);
  EXPECT_EQ(error.rfind("etcd http://127.0.0.1:1: entering a network namespace: ", 0), 0u) << error;
  EXPECT_NE(error.find(" while reading /coreos.com/network/config"), std::string::npos) << error;
}

}  // namespace
}  // namespace ovl::daemon
