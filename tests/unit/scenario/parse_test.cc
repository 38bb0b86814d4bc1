#include "core/scenario/parse.h"

#include <gtest/gtest.h>

#include "core/scenario/validate.h"
#include "tests/support/files.h"

namespace ovl::scenario {
namespace {

Scenario load_ok(const std::string& text) {
  auto loaded = load_text(text, "t.xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

TEST(Parse, ReadsTheSeedTopology) {
  auto s = load_ok(test::read_file(test::source_dir() / "scenarios/two-node.xml"));
  EXPECT_EQ(s.name, "two-node");
  ASSERT_EQ(s.segments.size(), 1u);
  EXPECT_EQ(s.segments[0].cidr.str(), "172.20.32.0/19");
  EXPECT_EQ(s.segments[0].mtu, 1500);
  EXPECT_EQ(s.segments[0].gateway->str(), "172.20.32.1");
  EXPECT_EQ(s.overlay.network.str(), "100.96.0.0/16");
  EXPECT_EQ(s.overlay.backend, Backend::udp);
  EXPECT_EQ(s.overlay.store, Store::etcd);
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_EQ(s.nodes[0].ip.str(), "172.20.33.102");
  EXPECT_EQ(s.nodes[0].subnet->str(), "100.96.1.0/24");
  EXPECT_EQ(s.nodes[1].containers[0].name, "container-2");
  EXPECT_EQ(s.nodes[1].containers[0].ip->str(), "100.96.2.3");
  ASSERT_EQ(s.probes.size(), 1u);
  EXPECT_EQ(s.expects[0].ttl, 60);
}

TEST(Parse, ReadsProbeKindsAndTheirDefaults) {
  auto s = load_ok(R"(<scenario name="d"><underlay><segment name="s" cidr="10.0.0.0/24"/></underlay>
    <overlay network="10.244.0.0/16"/>
    <node name="a" segment="s" ip="10.0.0.2" mtu="9001"/><external name="x" segment="s" ip="10.0.0.9"/>
    <probe name="p1" from="a" to="x"/>
    <probe name="p2" from="a" to="x" kind="tcp"/>
    <probe name="p3" from="a" to="x" kind="udp" port="53" size="1600" df="false"/>
    <probe name="p4" from="a" to="10.0.0.9" kind="tcp" port="81" size="100000" listen="false"/></scenario>)");
  ASSERT_EQ(s.probes.size(), 4u);
  EXPECT_EQ(s.probes[0].spec.kind, ProbeKind::icmp);
  EXPECT_EQ(s.probes[0].spec.size, 56);
  EXPECT_FALSE(s.probes[0].spec.df);
  EXPECT_EQ(s.probes[1].spec.port, 80);
  EXPECT_EQ(s.probes[1].spec.size, 0);
  EXPECT_EQ(s.probes[2].spec.port, 53);
  EXPECT_EQ(s.probes[2].spec.size, 1600);
  EXPECT_EQ(s.probes[2].spec.df, false);
  EXPECT_EQ(s.probes[3].spec.size, 100000);
  EXPECT_FALSE(s.probes[3].spec.listen);
  ASSERT_EQ(s.externals.size(), 1u);
  EXPECT_EQ(s.externals[0].ip.str(), "10.0.0.9");
  EXPECT_TRUE(s.has_host("x"));
  EXPECT_EQ(s.iface_mtu(s.nodes[0]), 9001);
}

TEST(Parse, FillsFlannelDefaults) {
  auto s = load_ok(R"(<scenario name="d"><underlay><segment name="s" cidr="10.0.0.0/24"/></underlay>
    <overlay network="10.244.0.0/16" backend="vxlan"/>
    <node name="a" segment="s" ip="10.0.0.2"/><node name="b" segment="s" ip="10.0.0.3"/></scenario>)");
  EXPECT_EQ(s.overlay.subnet_len, 24);
  EXPECT_EQ(s.overlay.port, 8472);
  EXPECT_EQ(s.overlay.vni, 1u);
  EXPECT_EQ(s.overlay.etcd_node, "a");
  EXPECT_EQ(s.nodes[0].iface, "eth0");
  EXPECT_EQ(s.nodes[0].runtime, Runtime::docker);
  EXPECT_EQ(s.nodes[0].daemon, Daemon::overlayd);
  EXPECT_EQ(std::string(daemon_name(s.nodes[0])), "overlayd");
  EXPECT_EQ(s.segments[0].mtu, 1500);
}

TEST(Parse, ANodesDaemonMayBeExternal) {
  auto s = load_ok(R"(<scenario name="d"><underlay><segment name="s" cidr="10.0.0.0/24"/></underlay>
    <overlay network="10.244.0.0/16"/>
    <node name="a" segment="s" ip="10.0.0.2"/><node name="b" segment="s" ip="10.0.0.3" daemon="external"/>
    </scenario>)");
  EXPECT_FALSE(s.nodes[0].external());
  EXPECT_TRUE(s.nodes[1].external());
  EXPECT_EQ(std::string(daemon_name(s.nodes[1])), "flanneld (external)");
}

TEST(Parse, SubnetLenDefaultFollowsFlannel) {
  EXPECT_EQ(default_subnet_len(16), 24);
  EXPECT_EQ(default_subnet_len(22), 24);
  EXPECT_EQ(default_subnet_len(23), 25);
  EXPECT_EQ(default_subnet_len(28), 30);
}

TEST(Parse, ReportsAttributePositions) {
  Diagnostics d("f.xml");
  parse("<scenario name=\"x\">\n  <underlay>\n    <segment name=\"s\"\n             cidr=\"nope\"/>\n",
        "f.xml", d);
  // Malformed XML wins: the document is not closed.
  EXPECT_NE(d.format().find("f.xml:"), std::string::npos);
  Diagnostics d2("f.xml");
  parse("<scenario name=\"x\">\n  <underlay>\n    <segment name=\"s\"\n             cidr=\"nope\"/>\n"
        "  </underlay>\n</scenario>\n",
        "f.xml", d2);
  EXPECT_NE(d2.format().find("f.xml:4:14: error: <segment> attribute cidr='nope' is not valid"),
            std::string::npos)
      << d2.format();
}

TEST(Parse, RouterInterfacesDefaultToEthN) {
  auto s = load_ok(test::read_file(test::source_dir() / "scenarios/routed-underlay.xml"));
  ASSERT_EQ(s.routers.size(), 1u);
  EXPECT_EQ(s.routers[0].attaches[0].iface, "eth0");
  EXPECT_EQ(s.routers[0].attaches[1].iface, "eth1");
}

TEST(DidYouMean, SuggestsCloseNamesOnly) {
  EXPECT_EQ(did_you_mean("vcp", {"vpc", "lan"}), " (did you mean 'vpc'?)");
  EXPECT_EQ(did_you_mean("zzzzzz", {"vpc", "lan"}), "");
}

}  // namespace
}  // namespace ovl::scenario
