// The trace pipeline without a kernel: synthetic sightings of one probe
// through a udp overlay, decoded, ordered, explained and rendered.
#include <gtest/gtest.h>

#include "core/net/packet.h"
#include "core/trace/explain.h"
#include "core/trace/expect.h"
#include "core/trace/render.h"
#include "core/trace/tracer.h"
#include "core/trace/walk.h"

namespace ovl::trace {
namespace {

using Bytes = std::vector<std::byte>;
const net::Ipv4 kC1(100, 96, 1, 2), kC2(100, 96, 2, 3), kN1(172, 20, 33, 102), kN2(172, 20, 54, 98);
const net::Mac kMacA = *net::Mac::parse("02:00:00:00:00:0a"), kMacB = *net::Mac::parse("02:00:00:00:00:0b");

Bytes nonce() { return Bytes(16, std::byte(0x5a)); }

Bytes echo(uint8_t type, net::Ipv4 src, net::Ipv4 dst, uint8_t ttl, Bytes payload = nonce()) {
  auto icmp = net::build_icmp_echo(type, 77, 1, net::as_bytes(payload));
  net::Ipv4Header h;
  h.ttl = ttl;
  h.protocol = net::kProtoIcmp;
  h.src = src;
  h.dst = dst;
  return net::build_ipv4(h, net::as_bytes(icmp));
}

Bytes eth(const Bytes& ip, net::Mac dst = kMacB) { return net::build_ethernet(dst, kMacA, net::kEtherTypeIpv4, net::as_bytes(ip)); }

Bytes in_udp(const Bytes& inner) { return eth(net::build_udp(kN1, 8285, kN2, 8285, net::as_bytes(inner))); }

ProbeKey key() {
  ProbeKey k;
  k.id = 77;
  k.seq = 1;
  k.nonce = nonce();
  k.src = kC1;
  k.dst = kC2;
  return k;
}

TEST(Decode, FindsTheProbeInsideUdpEncapsulation) {
  auto d = decode(net::as_bytes(in_udp(echo(net::kIcmpEchoRequest, kC1, kC2, 62))), LinkType::ethernet, key());
  ASSERT_EQ(d.leg, Leg::request);
  std::vector<std::string> protos;
  for (auto& l : d.layers) protos.push_back(l.proto);
  EXPECT_EQ(protos, (std::vector<std::string>{"eth", "ipv4", "udp", "ipv4", "icmp"}));
  EXPECT_EQ(outer_ipv4(d.layers)->fields["dst"], "172.20.54.98");
  EXPECT_EQ(inner_ipv4(d.layers)->fields["ttl"], 62);
}

TEST(Decode, EachLayerKnowsWhereItsBytesAre) {
  auto d = decode(net::as_bytes(in_udp(echo(net::kIcmpEchoRequest, kC1, kC2, 62))), LinkType::ethernet, key());
  std::vector<std::pair<size_t, size_t>> extents;
  for (auto& l : d.layers) extents.push_back({l.offset, l.length});
  // Ethernet, IPv4, UDP, the inner IPv4, and ICMP with its 16-byte payload.
  EXPECT_EQ(extents, (std::vector<std::pair<size_t, size_t>>{{0, 14}, {14, 20}, {34, 8}, {42, 20}, {62, 24}}));
}

TEST(Decode, FindsTheProbeInsideVxlan) {
  Bytes vx(8);
  vx[0] = std::byte(0x08);
  vx[6] = std::byte(1);
  auto inner = eth(echo(net::kIcmpEchoReply, kC2, kC1, 63));
  vx.insert(vx.end(), inner.begin(), inner.end());
  auto frame = eth(net::build_udp(kN2, 40000, kN1, 8472, net::as_bytes(vx)));
  auto d = decode(net::as_bytes(frame), LinkType::ethernet, key(), DecodeOptions{0, 8472});
  ASSERT_EQ(d.leg, Leg::reply);
  EXPECT_EQ(first(d.layers, "vxlan")->fields["vni"], 1);
  EXPECT_EQ(d.layers.size(), 7u);
}

TEST(Decode, MatchesAnIcmpErrorQuotingTheProbe) {
  auto offending = echo(net::kIcmpEchoRequest, kC1, kC2, 63);
  auto error = net::build_icmp_error(net::Ipv4(100, 96, 1, 0), net::kIcmpUnreachable, 0, net::as_bytes(offending), 8);
  auto d = decode(net::as_bytes(error), LinkType::raw_ip, key());
  EXPECT_EQ(d.leg, Leg::reply);
  EXPECT_EQ(d.layers.back().summary,
            "ICMP net unreachable, quoting 100.96.1.2 > 100.96.2.3 ICMP echo request (44 bytes)");
  EXPECT_EQ(d.label, "ICMP net unreachable from 100.96.1.0");
}

TEST(Decode, IgnoresOtherEchoes) {
  Bytes other(16, std::byte(1));
  EXPECT_FALSE(decode(net::as_bytes(eth(echo(net::kIcmpEchoRequest, kC1, kC2, 64, other))), LinkType::ethernet, key()).leg);
}

Capture walk() {
  Capture c;
  c.points = {{"container-1", "eth0", LinkType::ethernet, ""},
              {"node1", "vethcontainer-1", LinkType::ethernet, "docker0"},
              {"node1", "docker0", LinkType::ethernet, ""},
              {"node1", "flannel0", LinkType::raw_ip, ""},
              {"node1", "eth0", LinkType::ethernet, ""}};
  auto req = echo(net::kIcmpEchoRequest, kC1, kC2, 64);
  // Captured out of order; the bridge and its port share a timestamp.
  c.sightings.push_back({4, 500, Direction::out, in_udp(echo(net::kIcmpEchoRequest, kC1, kC2, 62)), 0});
  c.sightings.push_back({2, 100, Direction::in, eth(req), 0});
  c.sightings.push_back({1, 100, Direction::in, eth(req), 0});
  c.sightings.push_back({0, 50, Direction::out, eth(req), 0});
  c.sightings.push_back({3, 200, Direction::out, echo(net::kIcmpEchoRequest, kC1, kC2, 63), 0});
  c.sightings.push_back({4, 600, Direction::out, eth(echo(net::kIcmpEchoRequest, kC1, kC2, 64, Bytes(16))), 0});
  return c;
}

TEST(BuildTrace, OrdersByTimeAndPortBeforeBridgeOnTheWayIn) {
  auto t = build_trace(walk(), key(), {});
  std::vector<std::string> names;
  for (auto& h : t.hops) names.push_back(h.name());
  EXPECT_EQ(names, (std::vector<std::string>{"container-1:eth0", "node1:vethcontainer-1", "node1:docker0",
                                             "node1:flannel0", "node1:eth0"}));
  EXPECT_EQ(t.hops.back().seq, 5);
}

Snapshot node1_snapshot() {
  HostState n1;
  n1.links = {{"eth0", "veth", "", kMacA}, {"docker0", "bridge", "", kMacB}, {"vethcontainer-1", "veth", "docker0", {}},
              {"flannel0", "tun", "", {}}};
  n1.addrs = {{"eth0", *net::Cidr::parse("172.20.33.102/19")}, {"docker0", *net::Cidr::parse("100.96.1.1/24")},
              {"flannel0", *net::Cidr::parse("100.96.1.0/16")}};
  n1.routes = {{*net::Cidr::parse("0.0.0.0/0"), net::Ipv4(172, 20, 32, 1), {}, "eth0", 3, 0, false},
               {*net::Cidr::parse("100.96.0.0/16"), {}, net::Ipv4(100, 96, 1, 0), "flannel0", 2, 253, false},
               {*net::Cidr::parse("100.96.1.0/24"), {}, net::Ipv4(100, 96, 1, 1), "docker0", 2, 253, false},
               {*net::Cidr::parse("172.20.32.0/19"), {}, kN1, "eth0", 2, 253, false}};
  n1.neighbours = {{"eth0", kN2, kMacB, "REACHABLE"}};
  n1.daemon = DaemonState{"udp", *net::Cidr::parse("100.96.1.0/24"), {{*net::Cidr::parse("100.96.2.0/24"), kN2, 8285}}};
  Snapshot s;
  s.hosts["node1"] = n1;
  return s;
}

TEST(Explain, RoutesAsIpRouteGetAndTheLeaseAtTheUserSpaceHop) {
  auto t = build_trace(walk(), key(), {});
  explain(t, node1_snapshot());
  const auto& tun = t.hops[3];
  ASSERT_TRUE(tun.decision);
  EXPECT_EQ(tun.decision->route, "100.96.2.3 dev flannel0 src 100.96.1.0");
  EXPECT_EQ(tun.decision->matched, "100.96.0.0/16 dev flannel0 proto kernel scope link src 100.96.1.0");
  EXPECT_EQ(tun.decision->lease, "100.96.2.0/24 -> 172.20.54.98:8285");
  EXPECT_EQ(tun.decision->userspace, "TUN read");
  const auto& wire = t.hops[4];
  EXPECT_EQ(wire.decision->userspace, "UDP send");
  EXPECT_EQ(wire.decision->route, "172.20.54.98 dev eth0 src 172.20.33.102");
  EXPECT_EQ(wire.decision->neighbour, "172.20.54.98 dev eth0 lladdr 02:00:00:00:00:0b REACHABLE");
  EXPECT_EQ(t.hops[1].decision->bridge, "bridge docker0: frame for the bridge's own address, passed up to IP");
  EXPECT_EQ(t.crossings(Leg::request), 2);
  EXPECT_FALSE(t.hops[0].decision);  // container-1 is not in this snapshot
}

TEST(Explain, SaysEachDecisionInOneSentence) {
  auto t = build_trace(walk(), key(), {});
  explain(t, node1_snapshot());
  EXPECT_EQ(t.hops[1].decision->sentence,
            "The frame is addressed to docker0's own MAC, so bridge docker0 passes it up to node1's IP layer.");
  EXPECT_EQ(t.hops[2].decision->sentence,
            "100.96.2.3 is not one of node1's addresses, so node1 forwards it (ip_forward=1); the next hop shows the "
            "route.");
  EXPECT_EQ(t.hops[3].decision->sentence,
            "The route 100.96.0.0/16 sends 100.96.2.3 out of flannel0, where overlayd reads it (kernel -> user space) "
            "and finds the lease 100.96.2.0/24 -> 172.20.54.98:8285.");
  EXPECT_EQ(t.hops[4].decision->sentence,
            "From user space, overlayd sends the datagram to the kernel; the route 172.20.32.0/19 sends 172.20.54.98 "
            "out of eth0, to the MAC 02:00:00:00:00:0b the neighbour table holds for 172.20.54.98.");
}

// The user-space hops name the process /proc found holding flannel0 and the
// UDP port; without one, the daemon the lab expects there.
TEST(Explain, NamesTheProcessOnTheUserSpaceSide) {
  auto s = node1_snapshot();
  s.hosts["node1"].daemon->name = "flanneld (external)";
  s.hosts["node1"].daemon->tun_holder = "flanneld (pid 77)";
  s.hosts["node1"].daemon->peers_from_store = true;
  auto t = build_trace(walk(), key(), {});
  explain(t, s);
  EXPECT_EQ(t.hops[3].decision->process, "flanneld (pid 77)");
  EXPECT_EQ(t.hops[3].decision->encap,
            "flanneld (pid 77) reads it from flannel0 (kernel -> user space), finds the lease of 100.96.2.0/24 (as the "
            "store holds it) and sends it inside UDP to 172.20.54.98:8285");
  EXPECT_EQ(crossing(t.hops[3]), "kernel -> user space: flanneld (pid 77) reads the packet from flannel0");
  EXPECT_EQ(t.hops[4].decision->process, "flanneld (external)");  // nobody found holding the socket
  EXPECT_EQ(crossing(t.hops[4]), "user space -> kernel: flanneld (external) sends the datagram from its UDP socket");
  auto back = from_json(to_json(t));
  EXPECT_EQ(back.hops[3].decision->process, "flanneld (pid 77)");
}

TEST(Explain, LongestPrefixWins) {
  auto s = node1_snapshot();
  auto& host = s.hosts["node1"];
  EXPECT_EQ(lookup_route(host, kC1)->dev, "docker0");
  EXPECT_EQ(lookup_route(host, kC2)->dev, "flannel0");
  EXPECT_EQ(lookup_route(host, net::Ipv4(8, 8, 8, 8))->dst.len(), 0);
  EXPECT_EQ(format_route(*lookup_route(host, net::Ipv4(8, 8, 8, 8))), "default via 172.20.32.1 dev eth0");
}

TEST(Expect, HopsMustAppearInOrderWithWildcards) {
  auto t = build_trace(walk(), key(), {});
  EXPECT_TRUE(check_hops({"container-1:eth0", "node1:veth*", "node1:flannel0"}, t).ok);
  auto bad = check_hops({"node1:flannel0", "node1:docker0", "node2:eth0"}, t);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.diff.find("MISSING  node1:docker0  (not seen after hop 4 (node1:flannel0); it appears earlier)"),
            std::string::npos) << bad.diff;
  EXPECT_NE(bad.diff.find("MISSING  node2:eth0"), std::string::npos);
}

std::vector<scenario::Expect> expects(std::optional<bool> reply, std::optional<int> ttl, std::vector<std::string> hops) {
  scenario::Expect x{"p1", reply, ttl, {}, {}};
  for (auto& h : hops) x.hops.push_back({h, {}});
  return {x};
}

Trace replied(int ttl) {
  auto t = build_trace(walk(), key(), {});
  t.probe = "p1";
  t.reply = true;
  t.ttl = ttl;
  return t;
}

TEST(Expect, OneFunctionChecksReplyTtlAndHops) {
  EXPECT_EQ(check_expectations(expects(true, 60, {"node1:flannel0"}), replied(60)), std::vector<std::string>{});
  EXPECT_EQ(check_expectations(expects(std::nullopt, 60, {}), replied(62)),
            std::vector<std::string>{"expected ttl=60, got ttl=62"});
  EXPECT_EQ(check_expectations(expects(false, std::nullopt, {}), replied(60)),
            std::vector<std::string>{"expected no reply, but one arrived"});
  auto path = check_expectations(expects(true, std::nullopt, {"node2:eth0"}), replied(60));
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0].substr(0, 36), "the path differs from <expect>:\n  MI");
  auto silent = replied(60);
  silent.reply = false;
  silent.outcome = "no reply";
  EXPECT_EQ(check_expectations({}, silent), std::vector<std::string>{"no reply (no reply)"});
  EXPECT_EQ(check_expectations({}, replied(60)), std::vector<std::string>{});
}

// The tracer's pipeline on recorded sightings: no kernel, the order of its
// steps observed through the sources.
struct Recorder {
  std::vector<std::string> events;
};

struct ReplayCapture : CaptureSource {
  Recorder& r;
  Capture recorded;
  ReplayCapture(Recorder& r, Capture c) : r(r), recorded(std::move(c)) {}
  void start() override { r.events.push_back("capture"); }
  Capture finish() override {
    r.events.push_back("finish");
    return recorded;
  }
};

struct FixedSnapshot : SnapshotSource {
  Recorder& r;
  explicit FixedSnapshot(Recorder& r) : r(r) {}
  Snapshot take() override {
    r.events.push_back("snapshot");
    return node1_snapshot();
  }
};

TEST(Tracer, CapturesAroundTheProbeThenBuildsAndExplains) {
  Recorder r;
  ReplayCapture capture(r, walk());
  FixedSnapshot snapshot(r);
  auto t = run_trace(capture, snapshot, {}, {"p1", "container-1", "container-2"}, [&] {
    r.events.push_back("send");
    return Sent{key(), true, 60, "reply"};
  });
  EXPECT_EQ(r.events, (std::vector<std::string>{"capture", "send", "finish", "snapshot"}));
  ASSERT_EQ(t.hops.size(), 5u);
  EXPECT_EQ(t.hops[3].name(), "node1:flannel0");
  EXPECT_EQ(t.hops[3].decision->lease, "100.96.2.0/24 -> 172.20.54.98:8285");
  EXPECT_EQ(t.probe, "p1");
  EXPECT_EQ(t.to, "container-2");
  EXPECT_EQ(t.ttl, 60);
  EXPECT_EQ(t.outcome, "reply");
}

TEST(Tracer, StopsTheCaptureWhenTheProbeCannotBeSent) {
  Recorder r;
  ReplayCapture capture(r, walk());
  FixedSnapshot snapshot(r);
  EXPECT_THROW(run_trace(capture, snapshot, {}, {"p1", "a", "b"}, []() -> Sent { throw std::runtime_error("no"); }),
               std::runtime_error);
  EXPECT_EQ(r.events, (std::vector<std::string>{"capture", "finish"}));
}

TEST(Render, JsonHasTheDesignKeysOnEveryHop) {
  auto t = build_trace(walk(), key(), {});
  explain(t, node1_snapshot());
  auto j = to_json(t);
  for (auto k : {"probe", "from", "to", "reply", "ttl", "hops"}) EXPECT_TRUE(j.contains(k)) << k;
  for (const auto& h : j["hops"]) {
    for (auto k : {"seq", "t_ns", "host", "if", "dir", "leg", "layers", "decision"}) EXPECT_TRUE(h.contains(k)) << k;
    for (const auto& l : h["layers"]) EXPECT_TRUE(l.contains("proto"));
  }
}

uint32_t le32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) | uint32_t(uint8_t(s[at + 1])) << 8 | uint32_t(uint8_t(s[at + 2])) << 16 |
         uint32_t(uint8_t(s[at + 3])) << 24;
}

TEST(Render, PcapngHasOneInterfaceBlockPerPointAndOnePacketPerHop) {
  auto t = build_trace(walk(), key(), {});
  auto file = to_pcapng(t);
  std::map<uint32_t, int> blocks;
  for (size_t at = 0; at < file.size();) {
    uint32_t type = le32(file, at), len = le32(file, at + 4);
    ASSERT_EQ(len % 4, 0u);
    ASSERT_EQ(le32(file, at + len - 4), len) << "trailing length of block at " << at;
    blocks[type]++;
    at += len;
  }
  EXPECT_EQ(blocks[0x0A0D0D0A], 1);
  EXPECT_EQ(blocks[1], 5);
  EXPECT_EQ(blocks[6], 5);
}

}  // namespace
}  // namespace ovl::trace
