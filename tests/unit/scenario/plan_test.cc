#include "core/scenario/plan.h"

#include <gtest/gtest.h>

#include "core/scenario/backend_override.h"
#include "core/scenario/ipam.h"
#include "core/scenario/ipmasq.h"
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
  test::expect_golden(test::source_dir() / "tests/unit/scenario/golden" / (GetParam() + ".plan"), text);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedPlan,
                         testing::Values("two-node", "three-node", "routed-underlay", "vxlan-k8s", "host-gw", "egress",
                                         "mtu", "tcp-walk"),
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
  EXPECT_NE(text.find("ip -n ovl-t.node1 link add docker0 mtu 1472 type bridge"), std::string::npos);
  EXPECT_NE(text.find("ip -n ovl-t.node1 addr add 100.96.1.1/24 dev docker0"), std::string::npos);
  EXPECT_NE(text.find("ip -n ovl-t.container-1 route add default via 100.96.1.1 dev eth0"),
            std::string::npos);
  EXPECT_NE(text.find("addr add 100.96.1.2/24 dev eth0"), std::string::npos);
}

// Flannel's nftables traffic manager, rule for rule (research notes, section 4).
TEST(Plan, MasqueradeRulesAreFlannels) {
  auto commands = masquerade_commands(*net::Cidr::parse("10.5.0.0/16"), *net::Cidr::parse("10.5.52.0/24"));
  std::vector<std::string> rules;
  for (const auto& c : commands)
    if (c.rfind("add rule ip flannel-ipv4 postrtg ", 0) == 0) rules.push_back(c.substr(33));
  EXPECT_EQ(rules, (std::vector<std::string>{
                       "meta mark 0x4000 return",
                       "ip saddr 10.5.52.0/24 ip daddr 10.5.0.0/16 return",
                       "ip saddr 10.5.0.0/16 ip daddr 10.5.52.0/24 return",
                       "ip saddr != 10.5.52.0/24 ip daddr 10.5.0.0/16 return",
                       "ip saddr 10.5.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random",
                       "ip saddr != 10.5.0.0/16 ip daddr 10.5.0.0/16 masquerade fully-random",
                   }));
  EXPECT_EQ(commands.front(), "add table ip flannel-ipv4 { comment \"rules for flannel-ipv4\" ; }");
  EXPECT_EQ(commands.back(), "add rule ip flannel-ipv4 forward ip daddr 10.5.0.0/16 accept");
}

// The rules are steps of the node's plan, journaled and applied like any
// other object, and only with ip-masq.
TEST(Plan, IpMasqAddsNftStepsToTheNodeStage) {
  auto s = shipped("egress");
  NodeLease lease{*net::Cidr::parse("100.96.1.0/24"), 1472};
  auto plan = plan_node(s, "t", s.nodes[0], lease);
  int nft = 0;
  for (const auto& step : plan.steps)
    if (auto* o = std::get_if<Nft>(&step.op)) {
      ++nft;
      EXPECT_EQ(o->ns, "ovl-t.node1");
      EXPECT_EQ(step.pos, s.overlay.pos);
    }
  EXPECT_EQ(nft, 12);
  s.nodes[0].daemon = Daemon::external;  // flanneld, told --ip-masq, makes its own
  for (const auto& step : plan_node(s, "t", s.nodes[0], lease).steps) EXPECT_FALSE(std::holds_alternative<Nft>(step.op));
  s.nodes[0].daemon = Daemon::overlayd;
  s.overlay.ip_masq = false;
  for (const auto& step : plan_node(s, "t", s.nodes[0], lease).steps) EXPECT_FALSE(std::holds_alternative<Nft>(step.op));
}

TEST(Plan, ExternalHostsGetALegAndNoOverlay) {
  auto s = shipped("egress");
  std::string text;
  for (auto& step : plan_underlay(s, "t").steps) text += to_command(step.op) + "\n";
  EXPECT_NE(text.find("ip -n ovl-t.internet addr add 172.20.60.10/19 dev eth0"), std::string::npos);
  EXPECT_EQ(text.find("ip -n ovl-t.internet route"), std::string::npos);  // no gateway, no way to the overlay
  EXPECT_EQ(text.find("ovl-t.internet sysctl"), std::string::npos);
}

// A node that believes in a bigger MTU than its segment carries: the wire
// keeps the segment's, and super-packets are cut to frames before it.
TEST(Plan, NodeMtuAboveTheSegmentsKeepsTheWiresMtu) {
  auto s = shipped("mtu");
  std::string text;
  for (auto& step : plan_underlay(s, "t").steps) text += to_command(step.op) + "\n";
  EXPECT_NE(text.find("ip -n ovl-t.node1 link add eth0 mtu 1500 type veth peer name node1-eth0 mtu 1450 netns ovl-t.fabric"),
            std::string::npos);
  EXPECT_NE(text.find("ip -n ovl-t.node1 link set eth0 gso_max_segs 1"), std::string::npos);
  EXPECT_EQ(predict_leases(s).at("node1").mtu, 1472);  // overlayd reads eth0's 1500
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

TEST(Plan, VxlanAndHostGwNodesGetTheirMtu) {
  auto vx = shipped("vxlan-k8s");
  auto leases = predict_leases(vx);
  EXPECT_EQ(leases.at("k8s-node1").mtu, 1450);
  auto hg = shipped("host-gw");
  EXPECT_EQ(predict_leases(hg).at("node1").mtu, 1500);
}

// The text as `up --backend` keeps it, parsed again.
Scenario overridden(const std::string& name, Backend backend, std::vector<std::string>* notes = nullptr) {
  auto file = "scenarios/" + name + ".xml";
  auto text = test::read_file(test::source_dir() / file);
  auto changed = override_backend(text, shipped(name), backend);
  if (notes) *notes = changed.notes;
  // Only attribute values change: the lines stay where they were.
  EXPECT_EQ(std::count(changed.text.begin(), changed.text.end(), '\n'), std::count(text.begin(), text.end(), '\n'));
  auto loaded = load_text(changed.text, file);
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

TEST(BackendOverride, TwoNodeOnVxlanTakesVxlansPortAndTtl) {
  std::vector<std::string> notes;
  auto s = overridden("two-node", Backend::vxlan, &notes);
  EXPECT_EQ(s.overlay.backend, Backend::vxlan);
  EXPECT_EQ(s.overlay.port, 8472);  // port="8285" was udp's default
  ASSERT_EQ(s.expects.size(), 1u);
  EXPECT_EQ(s.expects[0].ttl, 62);
  ASSERT_GE(notes.size(), 3u);
  EXPECT_EQ(notes[0], "backend vxlan instead of udp (--backend)");
  EXPECT_EQ(notes[1], "port 8472, vxlan's default, instead of 8285");
  EXPECT_EQ(notes[2], "expect p1: ttl=62 instead of 60: no udp daemons decrement it on the way");
  // Path expectations on flannel0 follow the device.
  for (const auto& hop : s.expects[0].hops) EXPECT_EQ(hop.at.find("flannel0"), std::string::npos) << hop.at;
}

TEST(BackendOverride, HopsOnTheOverlayDeviceFollowIt) {
  auto text = "<scenario name=\"t\"><underlay><segment name=\"s\" cidr=\"10.0.0.0/24\"/></underlay>\n"
              "<overlay network=\"10.1.0.0/16\" vni=\"4\"/>\n"
              "<node name=\"n1\" segment=\"s\" ip=\"10.0.0.2\"><container name=\"c1\"/></node>\n"
              "<node name=\"n2\" segment=\"s\" ip=\"10.0.0.3\"><container name=\"c2\"/></node>\n"
              "<probe name=\"p\" from=\"c1\" to=\"c2\"/>\n"
              "<expect probe=\"p\"><hop at=\"n1:eth0\"/>\n<hop at=\"n1:flannel0\"/></expect></scenario>\n";
  auto parsed = load_text(text, "t.xml");
  ASSERT_TRUE(parsed.ok()) << parsed.diags.format();
  auto vx = load_text(override_backend(text, parsed.scenario, Backend::vxlan).text, "t.xml");
  ASSERT_EQ(vx.scenario.expects.at(0).hops.size(), 2u);
  EXPECT_EQ(vx.scenario.expects[0].hops[1].at, "n1:flannel.4");
  EXPECT_EQ(vx.scenario.expects[0].hops[1].pos.line, 7);  // where the file has it
  auto hg = override_backend(text, parsed.scenario, Backend::host_gw);
  EXPECT_NE(hg.text.find("<!-- hop n1:flannel0 left out: host-gw has no overlay device -->"), std::string::npos)
      << hg.text;
  auto reparsed = load_text(hg.text, "t.xml");
  ASSERT_TRUE(reparsed.ok()) << reparsed.diags.format();
  ASSERT_EQ(reparsed.scenario.expects.at(0).hops.size(), 1u);
  EXPECT_EQ(reparsed.scenario.expects[0].hops[0].at, "n1:eth0");
}

TEST(BackendOverride, AddsTheAttributeWhenTheFileHasNone) {
  auto s = overridden("routed-underlay", Backend::host_gw);
  EXPECT_EQ(s.overlay.backend, Backend::host_gw);
  EXPECT_EQ(s.expects[0].ttl, 62);
  auto k8s = overridden("host-gw", Backend::udp);  // host-gw.xml names no port
  EXPECT_EQ(k8s.overlay.backend, Backend::udp);
  EXPECT_EQ(k8s.overlay.port, 8285);
  EXPECT_EQ(k8s.expects[0].ttl, 60);
}

TEST(BackendOverride, HostGwAcrossARouterIsWarnedAbout) {
  auto text = test::read_file(test::source_dir() / "scenarios/routed-underlay.xml");
  auto changed = override_backend(text, shipped("routed-underlay"), Backend::host_gw);
  auto loaded = load_text(changed.text, "scenarios/routed-underlay.xml");
  EXPECT_NE(loaded.diags.format().find("warning: host-gw routes to each peer's subnet via the peer's own address"),
            std::string::npos) << loaded.diags.format();
}

TEST(BackendOverride, SameBackendChangesNothing) {
  auto text = test::read_file(test::source_dir() / "scenarios/vxlan-k8s.xml");
  auto changed = override_backend(text, shipped("vxlan-k8s"), Backend::vxlan);
  EXPECT_EQ(changed.text, text);
  EXPECT_TRUE(changed.notes.empty());
  EXPECT_EQ(parse_backend("host-gw"), Backend::host_gw);
  EXPECT_EQ(parse_backend("hostgw"), std::nullopt);
}

}  // namespace
}  // namespace ovl::scenario
