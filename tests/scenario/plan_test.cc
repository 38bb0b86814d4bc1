#include "core/scenario/plan.h"

#include <gtest/gtest.h>

#include "core/scenario/ipam.h"
#include "core/scenario/names.h"
#include "core/scenario/validate.h"
#include "tests/support/files.h"

namespace ovl::scenario {
namespace {

Scenario shipped(const std::string& name) {
  auto loaded = load_text(test::read_file(test::source_dir() / "scenarios" / (name + ".xml")),
                          "scenarios/" + name + ".xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

class ShippedPlan : public testing::TestWithParam<std::string> {};

// The plan text is deterministic: the same scenario always prints the same.
TEST_P(ShippedPlan, MatchesGolden) {
  auto s = shipped(GetParam());
  auto text = plan_document(s, s.name, predict_leases(s));
  test::expect_golden(test::source_dir() / "tests/scenario/golden" / (GetParam() + ".plan"), text);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedPlan,
                         testing::Values("two-node", "three-node", "routed-underlay"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(Plan, ContainerGetsTheSeedRoutes) {
  auto s = shipped("two-node");
  auto plan = plan_node(s, "t", s.nodes[0], NodeLease{*net::Cidr::parse("100.96.1.0/24"), 1472});
  std::string text;
  for (auto& step : plan.steps) text += to_command(step.op) + "\n";
  EXPECT_NE(text.find("ip -n ovl-t-node1 link add docker0 mtu 1472 type bridge"), std::string::npos);
  EXPECT_NE(text.find("ip -n ovl-t-node1 addr add 100.96.1.1/24 dev docker0"), std::string::npos);
  EXPECT_NE(text.find("ip -n ovl-t-container-1 route add default via 100.96.1.1 dev eth0"),
            std::string::npos);
  EXPECT_NE(text.find("addr add 100.96.1.2/24 dev eth0"), std::string::npos);
}

TEST(Plan, PredictsLeasesFromSubnetMinSkippingPinned) {
  auto s = shipped("three-node");
  auto leases = predict_leases(s);
  EXPECT_EQ(leases.at("node1").subnet.str(), "100.96.1.0/24");
  EXPECT_EQ(leases.at("node3").subnet.str(), "100.96.3.0/24");
  EXPECT_EQ(leases.at("node3").mtu, 1472);
}

TEST(Plan, OverlayMtuFollowsFlannel) {
  EXPECT_EQ(overlay_mtu(Backend::udp, 1500), 1472);
  EXPECT_EQ(overlay_mtu(Backend::vxlan, 1500), 1450);
  EXPECT_EQ(overlay_mtu(Backend::host_gw, 1500), 1500);
}

TEST(Ipam, FirstFreeFromDotTwoAroundPinnedAddresses) {
  Node n;
  n.containers = {{"a", std::nullopt, {}}, {"b", *net::Ipv4::parse("10.0.1.3"), {}}, {"c", std::nullopt, {}}};
  auto ips = container_addresses(n, *net::Cidr::parse("10.0.1.0/24"));
  ASSERT_TRUE(ips);
  EXPECT_EQ((*ips)[0].str(), "10.0.1.2");
  EXPECT_EQ((*ips)[1].str(), "10.0.1.3");
  EXPECT_EQ((*ips)[2].str(), "10.0.1.4");
}

TEST(Ipam, ReportsAFullSubnet) {
  Node n;
  n.containers = {{"a", std::nullopt, {}}, {"b", std::nullopt, {}}};
  EXPECT_FALSE(container_addresses(n, *net::Cidr::parse("10.0.1.0/30")));
}

TEST(Names, FitLinuxInterfaceNames) {
  EXPECT_EQ(container_veth_name("container-1"), "vethcontainer-1");
  EXPECT_EQ(container_veth_name("a-very-long-container").size(), 12u);
  EXPECT_EQ(fabric_port_name("node1", "eth0"), "node1-eth0");
  EXPECT_LE(fabric_port_name("kubernetes-worker-7", "ens3").size(), kIfNameMax);
  EXPECT_EQ(fabric_port_name("kubernetes-worker-7", "ens3"), fabric_port_name("kubernetes-worker-7", "ens3"));
  EXPECT_EQ(ifname_problem("eth0"), "");
  EXPECT_NE(ifname_problem("a:b"), "");
  EXPECT_NE(ifname_problem("sixteen-bytes-xx"), "");
}

}  // namespace
}  // namespace ovl::scenario
