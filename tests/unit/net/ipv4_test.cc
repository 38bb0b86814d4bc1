#include "core/net/ipv4.h"

#include <gtest/gtest.h>

namespace ovl::net {
namespace {

TEST(Ipv4, ParsesDottedQuad) {
  auto ip = Ipv4::parse("172.20.33.102");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->value(), 0xac142166u);
  EXPECT_EQ(ip->str(), "172.20.33.102");
}

TEST(Ipv4, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
                          "1..2.3", "-1.2.3.4", "1.2.3.4/24"})
    EXPECT_FALSE(Ipv4::parse(bad)) << bad;
}

TEST(Cidr, NetworkBroadcastAndSize) {
  auto c = Cidr::parse("172.20.33.102/19");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->network().str(), "172.20.32.0");
  EXPECT_EQ(c->broadcast().str(), "172.20.63.255");
  EXPECT_EQ(c->size(), 8192u);
  EXPECT_TRUE(c->has_host_bits());
  EXPECT_EQ(c->canonical().str(), "172.20.32.0/19");
}

TEST(Cidr, ContainsAndOverlaps) {
  auto net = *Cidr::parse("100.96.0.0/16");
  auto sub = *Cidr::parse("100.96.2.0/24");
  auto other = *Cidr::parse("100.97.0.0/24");
  EXPECT_TRUE(net.contains(sub));
  EXPECT_FALSE(sub.contains(net));
  EXPECT_TRUE(net.overlaps(sub));
  EXPECT_TRUE(sub.overlaps(net));
  EXPECT_FALSE(net.overlaps(other));
  EXPECT_TRUE(net.contains(*Ipv4::parse("100.96.255.255")));
  EXPECT_FALSE(net.contains(*Ipv4::parse("100.97.0.0")));
}

TEST(Cidr, ZeroAndFullPrefix) {
  auto any = *Cidr::parse("0.0.0.0/0");
  EXPECT_TRUE(any.contains(*Ipv4::parse("255.255.255.255")));
  auto host = *Cidr::parse("10.0.0.1/32");
  EXPECT_EQ(host.size(), 1u);
  EXPECT_TRUE(host.contains(*Ipv4::parse("10.0.0.1")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
}

TEST(Cidr, HostAndFlannelKey) {
  auto lease = *Cidr::parse("100.96.1.0/24");
  EXPECT_EQ(lease.host(1).str(), "100.96.1.1/24");
  EXPECT_EQ(lease.key(), "100.96.1.0-24");
  EXPECT_EQ(Cidr::parse_key("100.96.1.0-24"), lease);
  EXPECT_FALSE(Cidr::parse_key("100.96.1.0/24"));
}

TEST(Mac, RoundTrips) {
  auto mac = Mac::parse("52:17:43:ba:2e:56");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->str(), "52:17:43:ba:2e:56");
  EXPECT_FALSE(Mac::parse("52:17:43:ba:2e"));
  EXPECT_FALSE(Mac::parse("52-17-43-ba-2e-56"));
  EXPECT_FALSE(Mac::parse("52:17:43:ba:2e:5g"));
}

}  // namespace
}  // namespace ovl::net
