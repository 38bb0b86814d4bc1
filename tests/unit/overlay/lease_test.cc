#include "core/overlay/lease.h"

#include <gtest/gtest.h>

namespace ovl::overlay {
namespace {

LeaseAttrs udp_attrs() { return LeaseAttrs{*net::Ipv4::parse("172.20.33.102"), "udp", std::nullopt}; }

LeaseAttrs vxlan_attrs() {
  return LeaseAttrs{*net::Ipv4::parse("172.20.33.102"), "vxlan",
                    VxlanBackendData{1, *net::Mac::parse("52:17:43:ba:2e:56")}};
}

std::string error_of(std::string_view json) {
  try {
    attrs_from_json(json);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LeaseAttrs, WritesFlannelsJsonForUdp) {
  EXPECT_EQ(attrs_to_json(udp_attrs()), R"({"PublicIP":"172.20.33.102","BackendType":"udp"})");
}

TEST(LeaseAttrs, WritesFlannelsJsonForVxlan) {
  EXPECT_EQ(attrs_to_json(vxlan_attrs()),
            R"({"PublicIP":"172.20.33.102","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"52:17:43:ba:2e:56"}})");
}

TEST(LeaseAttrs, RoundTrips) {
  EXPECT_EQ(attrs_from_json(attrs_to_json(udp_attrs())), udp_attrs());
  EXPECT_EQ(attrs_from_json(attrs_to_json(vxlan_attrs())), vxlan_attrs());
}

TEST(LeaseAttrs, ReadsWhatOtherFlannelVersionsWrite) {
  // Newer Flannel adds IPv6 fields and a null BackendData for udp.
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"172.20.33.102","PublicIPv6":null,"BackendType":"udp","BackendData":null})"),
            udp_attrs());
  // Older Flannel wrote the VtepMAC alone.
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"172.20.33.102","BackendType":"vxlan","BackendData":{"VtepMAC":"52:17:43:ba:2e:56"}})"),
            vxlan_attrs());
}

TEST(LeaseAttrs, NamesWhatIsWrong) {
  EXPECT_EQ(error_of("nope"), "lease value nope: is not a JSON object");
  EXPECT_EQ(error_of(R"({"BackendType":"udp"})"),
            R"(lease value {"BackendType":"udp"}: "PublicIP" is missing or not a string)");
  EXPECT_EQ(error_of(R"({"PublicIP":"172.20.33","BackendType":"udp"})"),
            R"(lease value {"PublicIP":"172.20.33","BackendType":"udp"}: "PublicIP" is not an IPv4 address)");
  EXPECT_EQ(error_of(R"({"PublicIP":"1.2.3.4","BackendType":"vxlan","BackendData":{"VtepMAC":"52:17"}})"),
            R"(lease value {"PublicIP":"1.2.3.4","BackendType":"vxlan","BackendData":{"VtepMAC":"52:17"}}: "VtepMAC" is not a MAC address)");
}

TEST(SubnetEnv, WritesTheFourLinesFlannelWrites) {
  SubnetEnv env{*net::Cidr::parse("100.96.0.0/16"), *net::Cidr::parse("100.96.1.0/24"), 1472, false};
  EXPECT_EQ(format_subnet_env(env),
            "FLANNEL_NETWORK=100.96.0.0/16\n"
            "FLANNEL_SUBNET=100.96.1.1/24\n"
            "FLANNEL_MTU=1472\n"
            "FLANNEL_IPMASQ=false\n");
  env.ip_masq = true;
  EXPECT_NE(format_subnet_env(env).find("FLANNEL_IPMASQ=true\n"), std::string::npos);
}

TEST(SubnetEnv, ReadsTheSubnetAsTheLeaseNetwork) {
  auto env = parse_subnet_env(
      "FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_SUBNET=100.96.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->network, *net::Cidr::parse("100.96.0.0/16"));
  EXPECT_EQ(env->subnet, *net::Cidr::parse("100.96.1.0/24"));
  EXPECT_EQ(env->mtu, 1472);
  EXPECT_TRUE(env->ip_masq);
}

TEST(SubnetEnv, RoundTrips) {
  SubnetEnv env{*net::Cidr::parse("10.244.0.0/16"), *net::Cidr::parse("10.244.3.0/24"), 1450, true};
  auto back = parse_subnet_env(format_subnet_env(env));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->network, env.network);
  EXPECT_EQ(back->subnet, env.subnet);
  EXPECT_EQ(back->mtu, env.mtu);
  EXPECT_EQ(back->ip_masq, env.ip_masq);
}

TEST(SubnetEnv, NeedsOnlyTheSubnet) {
  auto env = parse_subnet_env("# written by hand\r\nFLANNEL_SUBNET=10.244.0.1/24\r\nFLANNEL_MTU=x\r\n");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->subnet, *net::Cidr::parse("10.244.0.0/24"));
  EXPECT_EQ(env->mtu, 0);
  EXPECT_EQ(env->network, net::Cidr());
  EXPECT_FALSE(env->ip_masq);
}

TEST(SubnetEnv, WithoutAReadableSubnetIsNothing) {
  EXPECT_FALSE(parse_subnet_env(""));
  EXPECT_FALSE(parse_subnet_env("FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_MTU=1472\n"));
  EXPECT_FALSE(parse_subnet_env("FLANNEL_SUBNET=100.96.1.1\n"));
}

}  // namespace
}  // namespace ovl::overlay
