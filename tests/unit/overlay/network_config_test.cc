#include "core/overlay/network_config.h"

#include <gtest/gtest.h>

namespace ovl::overlay {
namespace {

net::Cidr cidr(const char* text) { return *net::Cidr::parse(text); }
net::Ipv4 ip(const char* text) { return *net::Ipv4::parse(text); }

std::string error_of(std::string_view json) {
  try {
    parse_network_config(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NetworkConfig, ReadsTheSeedsConfig) {
  auto c = parse_network_config(R"({"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}})");
  EXPECT_EQ(c.network, cidr("100.96.0.0/16"));
  EXPECT_EQ(c.subnet_len, 24);
  EXPECT_EQ(c.subnet_min, ip("100.96.1.0"));
  EXPECT_EQ(c.subnet_max, ip("100.96.255.0"));
  EXPECT_EQ(c.backend_type, "udp");
  EXPECT_EQ(c.port, 8285);
}

TEST(NetworkConfig, FillsFlannelsDefaults) {
  auto c = parse_network_config(R"({"Network":"10.0.0.0/8"})");
  EXPECT_EQ(c.subnet_len, 24);
  EXPECT_EQ(c.subnet_min, ip("10.0.1.0"));
  EXPECT_EQ(c.subnet_max, ip("10.255.255.0"));
  EXPECT_EQ(c.backend_type, "udp");
  EXPECT_EQ(c.port, 8285);
  EXPECT_EQ(c.vni, 1u);
}

TEST(NetworkConfig, SmallNetworksAreSplitInFour) {
  EXPECT_EQ(parse_network_config(R"({"Network":"10.0.0.0/22"})").subnet_len, 24);
  EXPECT_EQ(parse_network_config(R"({"Network":"10.0.0.0/23"})").subnet_len, 25);
  auto c = parse_network_config(R"({"Network":"10.0.0.0/28"})");
  EXPECT_EQ(c.subnet_len, 30);
  EXPECT_EQ(c.subnet_min, ip("10.0.0.4"));
  EXPECT_EQ(c.subnet_max, ip("10.0.0.12"));
  EXPECT_EQ(parse_network_config(R"({"Network":"10.0.0.0/16","SubnetLen":0})").subnet_len, 24);
}

TEST(NetworkConfig, BackendDefaultsFollowTheType) {
  auto vxlan = parse_network_config(R"({"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}})");
  EXPECT_EQ(vxlan.port, 8472);
  EXPECT_EQ(vxlan.vni, 1u);
  auto vni = parse_network_config(R"({"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":42,"Port":4789}})");
  EXPECT_EQ(vni.port, 4789);
  EXPECT_EQ(vni.vni, 42u);
  auto host_gw = parse_network_config(R"({"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}})");
  EXPECT_EQ(host_gw.backend_type, "host-gw");
  EXPECT_EQ(host_gw.port, 0);
}

TEST(NetworkConfig, HonoursSubnetMinAndMax) {
  auto c = parse_network_config(R"({"Network":"10.1.0.0/16","SubnetMin":"10.1.10.0","SubnetMax":"10.1.20.0"})");
  EXPECT_EQ(c.subnet_min, ip("10.1.10.0"));
  EXPECT_EQ(c.subnet_max, ip("10.1.20.0"));
}

TEST(NetworkConfig, NamesEachMistake) {
  EXPECT_EQ(error_of("{"), "network config: not valid JSON: {");
  EXPECT_EQ(error_of("[]"), "network config: expected a JSON object");
  EXPECT_EQ(error_of("{}"), "network config: \"Network\" is missing");
  EXPECT_EQ(error_of(R"({"Network":"100.96.0.0"})"), "network config: \"Network\" must be a CIDR such as 100.96.0.0/16");
  EXPECT_EQ(error_of(R"({"Network":16})"), "network config: \"Network\" must be a CIDR such as 100.96.0.0/16");
  EXPECT_EQ(error_of(R"({"Network":"100.96.1.0/16"})"),
            "network config: Network 100.96.1.0/16 has host bits set (did you mean 100.96.0.0/16?)");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/29"})"),
            "network config: network 10.0.0.0/29 is too small: the smallest useful network is a /28");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetLen":31})"), "network config: SubnetLen 31 must be less than /31");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetLen":17})"),
            "network config: SubnetLen 17 leaves room for fewer than four subnets in 10.0.0.0/16 (use at least 18)");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetLen":"24"})"), "network config: \"SubnetLen\" must be a prefix length");
}

TEST(NetworkConfig, ChecksSubnetMinAndMax) {
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetMin":"10.1.0.0"})"),
            "network config: SubnetMin 10.1.0.0 is not in the network 10.0.0.0/16");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetMax":"10.0.5.1"})"),
            "network config: SubnetMax 10.0.5.1 is not on a /24 boundary");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetMin":"10.0.9.0","SubnetMax":"10.0.5.0"})"),
            "network config: SubnetMin 10.0.9.0 is above SubnetMax 10.0.5.0");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","SubnetMin":"ten"})"),
            "network config: \"SubnetMin\" must be an IPv4 address");
}

TEST(NetworkConfig, ChecksTheBackend) {
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","Backend":{"Type":"ipip"}})"),
            "network config: unknown backend type \"ipip\" (expected udp, vxlan or host-gw)");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","Backend":{"Port":1}})"),
            "network config: Backend \"Type\" is missing (udp, vxlan or host-gw)");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","Backend":{"Type":"udp","Port":70000}})"),
            "network config: Backend \"Port\" 70000 is not a port number");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","Backend":{"Type":"vxlan","VNI":16777216}})"),
            "network config: Backend \"VNI\" 16777216 is not a 24-bit number");
  EXPECT_EQ(error_of(R"({"Network":"10.0.0.0/16","Backend":"udp"})"), "network config: \"Backend\" must be an object");
}

TEST(NetworkConfig, WritesFlannelsJson) {
  auto udp = make_network_config(cidr("100.96.0.0/16"), 24, "udp", 8285, 1);
  EXPECT_EQ(to_json(udp), R"({"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}})");
  auto vxlan = make_network_config(cidr("10.244.0.0/16"), 24, "vxlan", 0, 1);
  EXPECT_EQ(to_json(vxlan),
            R"({"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan","Port":8472,"VNI":1}})");
  auto host_gw = make_network_config(cidr("10.244.0.0/16"), 0, "host-gw", 0, 1);
  EXPECT_EQ(to_json(host_gw), R"({"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"host-gw"}})");
}

TEST(NetworkConfig, WritesSubnetMinAndMaxOnlyWhenNotTheDefault) {
  auto c = parse_network_config(R"({"Network":"10.1.0.0/16","SubnetMin":"10.1.10.0"})");
  EXPECT_EQ(to_json(c),
            R"({"Network":"10.1.0.0/16","SubnetLen":24,"SubnetMin":"10.1.10.0","Backend":{"Type":"udp","Port":8285}})");
}

TEST(NetworkConfig, RoundTrips) {
  for (const char* json : {R"({"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}})",
                           R"({"Network":"10.0.0.0/23","SubnetLen":26,"SubnetMax":"10.0.1.0","Backend":{"Type":"vxlan","Port":8472,"VNI":7}})"}) {
    auto c = parse_network_config(json);
    EXPECT_EQ(to_json(c), json);
  }
}

TEST(NetworkConfig, MakeChecksLikeParse) {
  EXPECT_THROW(make_network_config(cidr("10.0.0.0/16"), 31, "udp", 0, 1), ConfigError);
  auto c = make_network_config(cidr("10.0.0.0/24"), 0, "vxlan", 0, 3);
  EXPECT_EQ(c.subnet_len, 26);
  EXPECT_EQ(c.port, 8472);
  EXPECT_EQ(c.vni, 3u);
}

}  // namespace
}  // namespace ovl::overlay
