// Traces of real probes in real labs (root): the seeds' walk hop by hop,
// decisions that agree with each namespace's own `ip route get`, a pcapng
// that tshark and capinfos read, the daemon's ICMP unreachable, and where a
// probe was last seen when a daemon is down.
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class Trace : public LabTest {};

std::vector<std::string> walk(const nlohmann::json& t, const std::string& leg) {
  std::vector<std::string> out;
  for (const auto& h : t["hops"])
    if (h["leg"] == leg) out.push_back(h["host"].get<std::string>() + ":" + h["if"].get<std::string>() + " " +
                                       h["dir"].get<std::string>());
  return out;
}

TEST_F(Trace, TwoNodeUdpWalkMatchesTheSeeds) {
  auto name = lab("lt-trace-walk");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto r = run({"trace", name, "container-1", "container-2", "--out", out_dir().string(), "--name", "p1"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto t = trace_json("p1");
  ASSERT_FALSE(t.is_discarded());
  EXPECT_EQ(t["reply"], true);
  EXPECT_EQ(t["ttl"], 60);
  EXPECT_EQ(walk(t, "request"),
            (std::vector<std::string>{"container-1:eth0 out", "node1:vethcontainer-1 in", "node1:docker0 in",
                                      "node1:flannel0 out", "node1:eth0 out", "node2:eth0 in", "node2:flannel0 in",
                                      "node2:docker0 out", "node2:vethcontainer-2 out", "container-2:eth0 in"}));
  EXPECT_EQ(walk(t, "reply"),
            (std::vector<std::string>{"container-2:eth0 out", "node2:vethcontainer-2 in", "node2:docker0 in",
                                      "node2:flannel0 out", "node2:eth0 out", "node1:eth0 in", "node1:flannel0 in",
                                      "node1:docker0 out", "node1:vethcontainer-1 out", "container-1:eth0 in"}));
  // The underlay hop carries UDP 172.20.33.102 -> 172.20.54.98:8285 around the inner ICMP.
  const auto& wire = t["hops"][4]["layers"];
  EXPECT_EQ(wire[1]["src"], "172.20.33.102");
  EXPECT_EQ(wire[1]["dst"], "172.20.54.98");
  EXPECT_EQ(wire[2]["proto"], "udp");
  EXPECT_EQ(wire[2]["dport"], 8285);
  EXPECT_EQ(wire[3]["src"], "100.96.1.2");
  EXPECT_EQ(wire[4]["proto"], "icmp");
  EXPECT_EQ(t["crossings"]["request"], 4);
  EXPECT_EQ(t["crossings"]["reply"], 4);
  EXPECT_EQ(t["hops"][3]["decision"]["userspace"], "TUN read");
  EXPECT_EQ(t["hops"][3]["decision"]["lease"], "100.96.2.0/24 -> 172.20.54.98:8285");
}

TEST_F(Trace, RouteDecisionsAgreeWithEachNamespacesIpRouteGet) {
  auto name = lab("lt-trace-routes");
  ASSERT_EQ(run({"up", scenario("routed-underlay"), "--name", name}).status, 0);
  ASSERT_EQ(run({"trace", name, "container-1", "container-2", "--out", out_dir().string(), "--name", "p1"}).status, 0);
  auto t = trace_json("p1");
  int checked = 0;
  for (const auto& h : t["hops"]) {
    if (h["decision"].is_null() || !h["decision"].contains("route")) continue;
    std::string shown = h["decision"]["route"];
    auto dst = shown.substr(0, shown.find(' '));
    auto kernel = run({"exec", name, h["host"], "--", "ip", "route", "get", dst});
    ASSERT_EQ(kernel.status, 0) << kernel.err;
    // The kernel adds "uid 0" and a cache line after what the trace shows.
    EXPECT_EQ(kernel.out.substr(0, shown.size()), shown) << h["host"] << ": " << kernel.out;
    ++checked;
  }
  EXPECT_GE(checked, 10);  // both legs: containers, nodes and the router
}

TEST_F(Trace, PcapngOpensInTsharkWithInterfaceNamesAndBothAddressLayers) {
  auto name = lab("lt-trace-pcap");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  ASSERT_EQ(run({"trace", name, "container-1", "container-2", "--out", out_dir().string(), "--name", "p1"}).status, 0);
  auto file = (out_dir() / "trace-p1.pcapng").string();
  EXPECT_EQ(run_program({"capinfos", file}).status, 0);
  auto fields = run_program({"tshark", "-r", file, "-d", "udp.port==8285,ip", "-T", "fields", "-e",
                             "frame.interface_name", "-e", "ip.src", "-e", "ip.dst"});
  ASSERT_EQ(fields.status, 0) << fields.err;
  std::vector<std::string> lines;
  std::stringstream in(fields.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 20u) << fields.out;
  EXPECT_EQ(lines[0], "container-1:eth0\t100.96.1.2\t100.96.2.3");
  EXPECT_EQ(lines[4], "node1:eth0\t172.20.33.102,100.96.1.2\t172.20.54.98,100.96.2.3");
  EXPECT_EQ(lines[19], "container-1:eth0\t100.96.2.3\t100.96.1.2");
}

TEST_F(Trace, AddressNoNodeOwnsEndsInTheDaemonsNetUnreachable) {
  auto name = lab("lt-trace-unreach");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto r = run({"trace", name, "container-1", "100.96.9.9", "--out", out_dir().string(), "--name", "p1"});
  EXPECT_EQ(r.status, 1);
  auto t = trace_json("p1");
  EXPECT_EQ(t["outcome"], "ICMP net unreachable from 100.96.1.0");
  EXPECT_EQ(walk(t, "request"), (std::vector<std::string>{"container-1:eth0 out", "node1:vethcontainer-1 in",
                                                          "node1:docker0 in", "node1:flannel0 out"}));
  // The daemon writes the error back into flannel0; it reaches container-1.
  EXPECT_EQ(walk(t, "reply"), (std::vector<std::string>{"node1:flannel0 in", "node1:docker0 out",
                                                        "node1:vethcontainer-1 out", "container-1:eth0 in"}));
  EXPECT_NE(r.out.find("no lease covers 100.96.9.9"), std::string::npos) << r.out;
}

TEST_F(Trace, WithNode2sDaemonStoppedShowsWhereTheProbeWasLastSeen) {
  auto name = lab("lt-trace-stopped");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  ASSERT_EQ(run({"stop", name, "node2"}).status, 0);
  auto r = run({"trace", name, "container-1", "container-2", "--out", out_dir().string(), "--name", "p1", "-W", "0.5"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("the request was last seen at node2:eth0 (in)"), std::string::npos) << r.out;
  EXPECT_EQ(trace_json("p1")["reply"], false);
}

TEST_F(Trace, RunChecksTheExpectedPathAndShowsTheDifference) {
  auto name = lab("lt-trace-expect");
  auto ok = run({"run", scenario("two-node"), "--name", name, "--out", out_dir().string()});
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("ok   p1"), std::string::npos);
  auto xml = read_file(scenario("two-node"));
  // As if the overlay were vxlan: the walk never meets flannel.1.
  xml = std::regex_replace(xml, std::regex("<hop at=\"node2:flannel0\"/>"), "<hop at=\"node2:flannel.1\"/>");
  auto file = fs::temp_directory_path() / (name + ".xml");
  std::ofstream(file) << xml;
  auto bad = run({"run", file.string(), "--name", name, "--out", out_dir().string()});
  fs::remove(file);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("FAIL p1: the path differs from <expect>:"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("MISSING  node2:flannel.1"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("ok       node2:eth0"), std::string::npos) << bad.out;
}

TEST_F(Trace, VxlanUnderlayHopsDecodeAsVxlanInTshark) {
  auto name = lab("lt-trace-vxlan");
  ASSERT_EQ(run({"up", scenario("vxlan-k8s"), "--name", name}).status, 0);
  auto r = run({"trace", name, "ubuntu-1", "ubuntu-2", "--out", out_dir().string(), "--name", "p1"});
  ASSERT_EQ(r.status, 0) << r.out;
  // The neighbour and FDB lookups on flannel.1 are explained.
  EXPECT_TRUE(std::regex_search(r.out, std::regex("neigh 10.244.2.0 dev flannel.1 lladdr \\S+ PERMANENT; fdb \\S+ dev "
                                                  "flannel.1 dst 172.16.1.13 self permanent"))) << r.out;
  auto fields = run_program({"tshark", "-r", (out_dir() / "trace-p1.pcapng").string(), "-d", "udp.port==8472,vxlan",
                             "-T", "fields", "-e", "frame.interface_name", "-e", "vxlan.vni", "-e", "ip.src"});
  ASSERT_EQ(fields.status, 0) << fields.err;
  EXPECT_NE(fields.out.find("k8s-node1:ens3\t1\t172.16.1.14,10.244.1.96"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("k8s-node2:ens3\t1\t172.16.1.13,10.244.2.66"), std::string::npos) << fields.out;
}

// The user-space hop is explained the same whichever data plane moves it.
TEST_F(Trace, BothDataPlanesShowTheUserSpaceHop) {
  auto name = lab("lt-trace-planes");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  for (const char* plane : {"fast", "simple"}) {
    for (const char* node : {"node1", "node2"})
      ASSERT_EQ(run({"restart", name, node, "--dataplane", plane}).status, 0) << plane;
    ASSERT_TRUE(eventually([&] { return status_of(name, "node1").value("dataplane", "") == plane; })) << plane;
    auto r = run({"trace", name, "container-1", "container-2", "--out", out_dir().string(), "--name", plane});
    ASSERT_EQ(r.status, 0) << plane << r.out;
    auto t = trace_json(plane);
    EXPECT_EQ(t["crossings"]["request"], 4) << plane;
    EXPECT_EQ(t["crossings"]["reply"], 4) << plane;
    EXPECT_EQ(t["hops"][3]["decision"]["userspace"], "TUN read") << plane;
    EXPECT_EQ(t["hops"][3]["decision"]["lease"], "100.96.2.0/24 -> 172.20.54.98:8285") << plane;
  }
}

}  // namespace
}  // namespace ovl::test
