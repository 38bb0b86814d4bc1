// Probes beyond one ping, on real labs (root): TCP handshakes and UDP
// datagrams traced hop by hop on udp and vxlan, MTUs refused and fragments
// crossing, Flannel's ip-masq made through libnftables (no nft or iptables
// process) with a host outside the cluster, and the MTU black hole.
#include <boost/process.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;
using Json = nlohmann::json;
using namespace std::chrono_literals;

class Probes : public LabTest {
 protected:
  // Traces from container-1 to `to` with extra options; the JSON.
  Json trace(const std::string& lab, const std::string& name, std::vector<std::string> options,
             const std::string& to = "container-2") {
    std::vector<std::string> args{"trace", lab, "container-1", to, "--out", out_dir().string(), "--name", name};
    args.insert(args.end(), options.begin(), options.end());
    last_ = run(args);
    return trace_json(name);
  }
  RunResult last_;
};

std::vector<std::string> names(const Json& t) {
  std::vector<std::string> out;
  for (const auto& p : t["packets"]) out.push_back(p["leg"].get<std::string>() + ": " + p["name"].get<std::string>());
  return out;
}

// "host:if dir" of each hop of packet n.
std::vector<std::string> walk_of(const Json& t, size_t n) {
  std::vector<std::string> out;
  for (const auto& h : t["hops"])
    if (h["packet"] == n) out.push_back(h["host"].get<std::string>() + ":" + h["if"].get<std::string>() + " " +
                                        h["dir"].get<std::string>());
  return out;
}

const Json* layer(const Json& hop, const std::string& proto, bool innermost = true) {
  const Json* found = nullptr;
  for (const auto& l : hop["layers"])
    if (l["proto"] == proto && (innermost || !found)) found = &l;
  return found;
}

const Json* hop_at(const Json& t, size_t packet, const std::string& where) {
  for (const auto& h : t["hops"])
    if (h["packet"] == packet && h["host"].get<std::string>() + ":" + h["if"].get<std::string>() == where) return &h;
  return nullptr;
}

// SYN, SYN-ACK and ACK, each on its whole walk through the overlay device.
void expect_handshake(const Json& t, const std::string& device, int ttl) {
  ASSERT_EQ(t["reply"], true) << t.dump(1).substr(0, 400);
  EXPECT_EQ(t["ttl"], ttl);
  EXPECT_EQ(names(t), (std::vector<std::string>{"request: SYN", "reply: SYN-ACK", "request: ACK"}));
  for (size_t n = 0; n < 3; ++n) {
    auto walk = walk_of(t, n);
    EXPECT_EQ(walk.size(), 10u) << n;
    const char* sender = n == 1 ? "node2:" : "node1:";
    EXPECT_NE(std::find(walk.begin(), walk.end(), sender + device + " out"), walk.end()) << n;
  }
  // Each segment carries its own flags and numbers: the SYN-ACK acknowledges the SYN.
  const Json* syn = layer(t["hops"][0], "tcp");
  const Json* syn_ack = layer(*hop_at(t, 1, "container-1:eth0"), "tcp");
  ASSERT_TRUE(syn && syn_ack);
  EXPECT_EQ((*syn)["flags"], "SYN");
  EXPECT_EQ((*syn_ack)["flags"], "SYN-ACK");
  EXPECT_EQ((*syn_ack)["ack"].get<uint64_t>(), ((*syn)["seq"].get<uint64_t>() + 1) % (uint64_t(1) << 32));
  EXPECT_EQ((*layer(*hop_at(t, 1, "container-1:eth0"), "ipv4"))["ttl"], ttl);
}

// Each fragment of the datagram and of its answer crosses the underlay.
void expect_fragments_cross(const Json& t, int second_offset) {
  ASSERT_EQ(t["reply"], true) << t.dump(1).substr(0, 400);
  auto off = std::to_string(second_offset);
  EXPECT_EQ(names(t), (std::vector<std::string>{
                          "request: datagram, fragment at offset 0", "request: datagram, fragment at offset " + off,
                          "reply: reply datagram, fragment at offset 0", "reply: reply datagram, fragment at offset " + off}));
  for (size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(walk_of(t, n).size(), 10u) << n;
    const Json* wire = hop_at(t, n, n < 2 ? "node2:eth0" : "node1:eth0");
    ASSERT_TRUE(wire) << n;
    EXPECT_EQ((*layer(*wire, "ipv4"))["frag_offset"], n % 2 ? second_offset : 0) << n;
  }
}

TEST_F(Probes, OnUdpTcpHandshakeUdpEchoAndTheMtu) {
  auto name = lab("lt-probes-udp");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  expect_handshake(trace(name, "tcp", {"--kind", "tcp", "--port", "80"}), "flannel0", 60);
  EXPECT_EQ(last_.status, 0) << last_.out;

  auto udp = trace(name, "udp", {"--kind", "udp", "--port", "7"});
  EXPECT_EQ(udp["reply"], true) << last_.out;
  EXPECT_EQ(udp["ttl"], 60);
  EXPECT_EQ(names(udp), (std::vector<std::string>{"request: datagram", "reply: reply datagram"}));

  auto big = trace(name, "df", {"--kind", "udp", "--size", "1600", "--df", "true"});
  EXPECT_EQ(last_.status, 1);
  EXPECT_EQ(big["mtu"], 1472);
  EXPECT_EQ(big["hops"].size(), 0u);  // it stopped in container-1 itself
  EXPECT_NE(big["why"].get<std::string>().find("container-1's kernel refused to send the 1628-byte packet"),
            std::string::npos) << big["why"];
  EXPECT_NE(last_.out.find("not sent: EMSGSIZE, the path MTU is 1472"), std::string::npos) << last_.out;

  expect_fragments_cross(trace(name, "frag", {"--kind", "udp", "--size", "1600", "--df", "false"}), 1448);

  auto closed = trace(name, "closed", {"--kind", "tcp", "--port", "81", "--listen", "false"});
  EXPECT_EQ(last_.status, 1);
  EXPECT_EQ(names(closed), (std::vector<std::string>{"request: SYN", "reply: RST"}));
  EXPECT_EQ(closed["why"], "port 81 on container-2 is closed: container-2's kernel answered the SYN with RST because "
                           "no socket listens there (listen=\"false\": overlaylab opened none)");
}

TEST_F(Probes, OnVxlanTheSameWithItsOwnMtu) {
  auto name = lab("lt-probes-vxlan");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name, "--backend", "vxlan"}).status, 0);
  expect_handshake(trace(name, "tcp", {"--kind", "tcp"}), "flannel.1", 62);
  auto big = trace(name, "df", {"--kind", "udp", "--size", "1600", "--df", "true"});
  EXPECT_EQ(big["mtu"], 1450);
  EXPECT_NE(last_.out.find("path MTU is 1450"), std::string::npos) << last_.out;
  expect_fragments_cross(trace(name, "frag", {"--kind", "udp", "--size", "1600", "--df", "false"}), 1424);
}

// The acceptance of ip-masq: Flannel's rules in node1, made by no nft or
// iptables process (strace follows `up` and all it starts, until `down`
// stops the last of them); the source rewritten at node1:eth0 on the way
// out and kept inside the overlay; nothing left after down.
TEST_F(Probes, EgressMasqueradesAsFlannelDoes) {
  auto name = lab("lt-probes-egress");
  auto calls = fs::temp_directory_path() / ("ovltest-strace-" + std::to_string(::getpid()));
  auto strace = bp::search_path("strace");
  ASSERT_FALSE(strace.empty()) << "strace is missing (scripts/install-deps installs it)";
  bp::child traced(strace, "-f", "-qq", "-e", "trace=execve", "-o", calls.string(), overlaylab_binary().string(), "up",
                   scenario("egress"), "--name", name, bp::std_out > bp::null, bp::std_err > bp::null);
  auto journal = fs::path("/run/overlaylab") / name / "journal";
  ASSERT_TRUE(eventually([&] { return read_file(journal).find("\nup\n") != std::string::npos; }, 60s));
  for (auto [probe, to, kind] : {std::tuple{"to-internet", "internet", "icmp"}, {"to-internet-tcp", "internet", "tcp"},
                                 {"in-overlay", "container-2", "icmp"}}) {
    trace(name, probe, {"--kind", kind}, to);
    EXPECT_NE(last_.out.find(std::string("ok   ") + probe), std::string::npos) << last_.out;  // egress.xml's <expect>
  }
  auto rules = run({"exec", name, "node1", "--", "nft", "list", "ruleset"});
  ASSERT_EQ(rules.status, 0) << rules.err;
  for (const char* line : {"type nat hook postrouting priority srcnat; policy accept;",
                           "ip saddr 100.96.1.0/24 ip daddr 100.96.0.0/16 return",
                           "ip saddr 100.96.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random",
                           "ip saddr != 100.96.0.0/16 ip daddr 100.96.0.0/16 masquerade fully-random"})
    EXPECT_NE(rules.out.find(line), std::string::npos) << line << "\n" << rules.out;

  auto out = trace_json("to-internet");
  EXPECT_EQ(out["reply"], true);
  const Json* wire = hop_at(out, 0, "node1:eth0");
  ASSERT_TRUE(wire);
  EXPECT_EQ((*layer(*wire, "ipv4"))["src"], "172.20.33.102");
  EXPECT_EQ((*layer(*hop_at(out, 0, "node1:docker0"), "ipv4"))["src"], "100.96.1.2");
  std::string nat = (*wire)["decision"]["nat"];
  EXPECT_NE(nat.find("`ip saddr 100.96.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random`"), std::string::npos)
      << nat;
  EXPECT_NE((*wire)["decision"]["conntrack"].get<std::string>().find("src=100.96.1.2 dst=172.20.60.10"),
            std::string::npos);

  auto inside = trace_json("in-overlay");
  EXPECT_EQ((*layer(*hop_at(inside, 0, "node2:eth0"), "ipv4"))["src"], "100.96.1.2");
  EXPECT_NE((*hop_at(inside, 0, "node1:flannel0"))["decision"]["nat"].get<std::string>().find("not masqueraded"),
            std::string::npos);

  ASSERT_EQ(run({"down", name}).status, 0);
  traced.wait();
  auto execs = read_file(calls);
  fs::remove(calls);
  EXPECT_NE(execs.find("overlayd"), std::string::npos) << "strace saw no execve at all";
  EXPECT_FALSE(std::regex_search(execs, std::regex("execve\\(\"[^\"]*/(nft|iptables[^\"]*|ip6tables[^\"]*)\"")))
      << execs;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(fs::path("/run/overlaylab") / name));
}

TEST_F(Probes, WithoutIpMasqTheOutsideHasNoRouteBack) {
  auto name = lab("lt-probes-nomasq");
  auto xml = std::regex_replace(read_file(scenario("egress")), std::regex("ip-masq=\"true\""), "ip-masq=\"false\"");
  auto file = fs::temp_directory_path() / (name + ".xml");
  std::ofstream(file) << xml;
  auto up = run({"up", file.string(), "--name", name});
  fs::remove(file);
  ASSERT_EQ(up.status, 0) << up.err;
  EXPECT_EQ(run({"exec", name, "node1", "--", "nft", "list", "ruleset"}).out, "");
  auto t = trace(name, "out", {}, "internet");
  EXPECT_EQ(last_.status, 1);
  EXPECT_EQ(t["reply"], false);
  EXPECT_EQ((*layer(*hop_at(t, 0, "internet:eth0"), "ipv4"))["src"], "100.96.1.2");
  EXPECT_NE(t["why"].get<std::string>().find("internet received the request but has no route back to its source "
                                             "100.96.1.2"),
            std::string::npos) << t["why"];
}

// mtu.xml's expectations are the black hole: ping and handshake pass, the
// transfer and the full-size datagram never arrive; the trace says why.
TEST_F(Probes, MtuScenarioShowsTheBlackHole) {
  auto name = lab("lt-probes-mtu");
  auto r = run({"run", scenario("mtu"), "--name", name, "--out", out_dir().string()});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("4 probes, 0 failed"), std::string::npos) << r.out;
  auto transfer = trace_json("transfer");
  EXPECT_EQ(transfer["outcome"], "stalled: the handshake completed, but 0 of 100000 bytes arrived");
  auto big = trace_json("big");
  EXPECT_EQ(big["mtu"], 1450);
  EXPECT_EQ(big["why"], "a black hole: container-1's MTU 1472 lets a 1500-byte packet leave node1:eth0, but segment "
                        "vpc carries at most 1450 bytes, so the frame was dropped on the wire, where nothing sends an "
                        "ICMP error, and no sender learns to send less");
}

TEST_F(Probes, SeedThreesTcpWalkRunsAsExpected) {
  auto name = lab("lt-probes-tcpwalk");
  auto r = run({"run", scenario("tcp-walk"), "--name", name, "--out", out_dir().string()});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ok   syn"), std::string::npos) << r.out;
  expect_handshake(trace_json("syn"), "flannel0", 60);
}

}  // namespace
}  // namespace ovl::test
