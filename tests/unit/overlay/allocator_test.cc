#include "core/overlay/allocator.h"

#include <gtest/gtest.h>

namespace ovl::overlay {
namespace {

NetworkConfig config() {
  NetworkConfig c;
  c.network = *net::Cidr::parse("100.96.0.0/16");
  c.subnet_len = 24;
  c.subnet_min = net::Ipv4(100, 96, 1, 0);
  c.subnet_max = net::Ipv4(100, 96, 255, 0);
  return c;
}

Lease lease(const char* subnet, net::Ipv4 ip) { return Lease{*net::Cidr::parse(subnet), LeaseAttrs{ip, "udp", {}}, {}}; }

const net::Ipv4 kMe(172, 20, 33, 102), kOther(172, 20, 54, 98);
const Pick kFirst = [](size_t) { return size_t(0); };

TEST(ChooseSubnet, KeepsTheLeaseThisNodeHolds) {
  auto c = choose_subnet(config(), {lease("100.96.7.0/24", kMe)}, kMe, *net::Cidr::parse("100.96.1.0/24"), kFirst);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, SubnetChoice::Kind::keep_existing);
  EXPECT_EQ(c->subnet.str(), "100.96.7.0/24");
}

TEST(ChooseSubnet, ReusesThePreviousSubnetWhenFree) {
  auto c = choose_subnet(config(), {lease("100.96.2.0/24", kOther)}, kMe, *net::Cidr::parse("100.96.1.0/24"), kFirst);
  EXPECT_EQ(c->kind, SubnetChoice::Kind::reuse_previous);
  EXPECT_EQ(c->subnet.str(), "100.96.1.0/24");
}

TEST(ChooseSubnet, APinnedSubnetMayBeTheFirstOne) {
  // Kubernetes gives the master 10.244.0.0/24, below Flannel's SubnetMin.
  auto c = choose_subnet(config(), {}, kMe, *net::Cidr::parse("100.96.0.0/24"), kFirst);
  EXPECT_EQ(c->subnet.str(), "100.96.0.0/24");
}

TEST(ChooseSubnet, TakenPreviousFallsBackToAFreeOne) {
  auto c = choose_subnet(config(), {lease("100.96.1.0/24", kOther)}, kMe, *net::Cidr::parse("100.96.1.0/24"), kFirst);
  EXPECT_EQ(c->kind, SubnetChoice::Kind::allocate);
  EXPECT_EQ(c->subnet.str(), "100.96.2.0/24");
}

TEST(ChooseSubnet, PicksAmongTheFirstHundredFreeFromSubnetMin) {
  size_t offered = 0;
  auto c = choose_subnet(config(), {lease("100.96.1.0/24", kOther)}, kMe, std::nullopt, [&](size_t n) {
    offered = n;
    return n - 1;
  });
  EXPECT_EQ(offered, 100u);
  EXPECT_EQ(c->subnet.str(), "100.96.101.0/24");
}

TEST(ChooseSubnet, FullNetworkHasNoChoice) {
  auto c = config();
  c.network = *net::Cidr::parse("100.96.0.0/22");
  std::vector<Lease> all;
  for (int i = 1; i <= 3; ++i) all.push_back(lease(("100.96." + std::to_string(i) + ".0/24").c_str(), kOther));
  EXPECT_FALSE(choose_subnet(c, all, kMe, std::nullopt, kFirst));
}

}  // namespace
}  // namespace ovl::overlay
