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

Lease lease(const char* subnet, net::Ipv4 ip) { return Lease{*net::Cidr::parse(subnet), LeaseAttrs{ip, "", {}}, {}}; }

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

TEST(ChooseSubnet, APinnedSubnetBelowSubnetMinNeedsAConfigThatSaysSo) {
  // Kubernetes gives the master 10.244.0.0/24, below Flannel's default
  // SubnetMin: the lab lowers SubnetMin for it, as a flanneld user would.
  auto c = choose_subnet(config(), {}, kMe, *net::Cidr::parse("100.96.0.0/24"), kFirst);
  EXPECT_EQ(c->subnet.str(), "100.96.1.0/24");
  auto lowered = config();
  lowered.subnet_min = net::Ipv4(100, 96, 0, 0);
  c = choose_subnet(lowered, {}, kMe, *net::Cidr::parse("100.96.0.0/24"), kFirst);
  EXPECT_EQ(c->kind, SubnetChoice::Kind::reuse_previous);
  EXPECT_EQ(c->subnet.str(), "100.96.0.0/24");
}

// Flannel's tryAcquireLease: a lease found for this node's PublicIP that no
// longer fits the config is deleted.
TEST(ChooseSubnet, ALeaseOfThisNodeThatNoLongerFitsIsDeleted) {
  auto narrowed = config();
  narrowed.subnet_max = net::Ipv4(100, 96, 9, 0);
  auto c = choose_subnet(narrowed, {lease("100.96.20.0/24", kMe)}, kMe, std::nullopt, kFirst);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, SubnetChoice::Kind::delete_stale);
  EXPECT_EQ(c->subnet.str(), "100.96.20.0/24");
  EXPECT_EQ(misfit(narrowed, c->subnet), "100.96.20.0/24 is outside SubnetMin..SubnetMax (100.96.1.0 to 100.96.9.0)");
  EXPECT_EQ(misfit(config(), *net::Cidr::parse("100.96.2.0/25")), "100.96.2.0/25 is not a /24 (SubnetLen)");
  EXPECT_EQ(misfit(config(), *net::Cidr::parse("100.97.2.0/24")), "100.97.2.0/24 is outside the network 100.96.0.0/16");
  EXPECT_EQ(misfit(config(), *net::Cidr::parse("100.96.2.0/24")), "");
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

TEST(ChooseSubnet, AllocatesFromTheConfiguredSubnetMin) {
  auto c = config();
  c.subnet_min = net::Ipv4(100, 96, 50, 0);
  c.subnet_max = net::Ipv4(100, 96, 51, 0);
  size_t offered = 0;
  auto choice = choose_subnet(c, {}, kMe, std::nullopt, [&](size_t n) {
    offered = n;
    return size_t(1);
  });
  EXPECT_EQ(offered, 2u);
  EXPECT_EQ(choice->subnet.str(), "100.96.51.0/24");
}

TEST(ChooseSubnet, FullNetworkHasNoChoice) {
  auto c = config();
  c.network = *net::Cidr::parse("100.96.0.0/22");
  c.subnet_max = net::Ipv4(100, 96, 3, 0);
  std::vector<Lease> all;
  for (int i = 1; i <= 3; ++i) all.push_back(lease(("100.96." + std::to_string(i) + ".0/24").c_str(), kOther));
  EXPECT_FALSE(choose_subnet(c, all, kMe, std::nullopt, kFirst));
}

}  // namespace
}  // namespace ovl::overlay
