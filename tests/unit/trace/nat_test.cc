// Explaining NAT and judging failed probes without a kernel: conntrack
// lines, Flannel's postrouting rules evaluated as the kernel would, and the
// one sentence that says why a probe went unanswered.
#include <gtest/gtest.h>

#include "core/net/packet.h"
#include "core/trace/explain.h"
#include "core/trace/nat.h"
#include "core/trace/verdict.h"

namespace ovl::trace {
namespace {

using Bytes = std::vector<std::byte>;
const net::Ipv4 kC1(100, 96, 1, 2), kC2(100, 96, 2, 3), kN1(172, 20, 33, 102), kOut(172, 20, 60, 10);

AddrMatch cidr(const char* text, bool negate = false) { return AddrMatch{*net::Cidr::parse(text), negate}; }

NatRule rule(std::string text, std::optional<AddrMatch> s, std::optional<AddrMatch> d, std::string verdict) {
  NatRule r{"ip flannel-ipv4", "postrtg", std::move(text), s, d, std::nullopt, std::move(verdict), true};
  return r;
}

// node1's chain postrtg for network 100.96.0.0/16 and lease 100.96.1.0/24.
std::vector<NatRule> flannel_rules() {
  NatRule mark = rule("meta mark 0x00004000 return", std::nullopt, std::nullopt, "return");
  mark.mark = 0x4000;
  return {mark,
          rule("ip saddr 100.96.1.0/24 ip daddr 100.96.0.0/16 return", cidr("100.96.1.0/24"), cidr("100.96.0.0/16"),
               "return"),
          rule("ip saddr 100.96.0.0/16 ip daddr 100.96.1.0/24 return", cidr("100.96.0.0/16"), cidr("100.96.1.0/24"),
               "return"),
          rule("ip saddr != 100.96.1.0/24 ip daddr 100.96.0.0/16 return", cidr("100.96.1.0/24", true),
               cidr("100.96.0.0/16"), "return"),
          rule("ip saddr 100.96.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random", cidr("100.96.0.0/16"),
               cidr("224.0.0.0/4", true), "masquerade"),
          rule("ip saddr != 100.96.0.0/16 ip daddr 100.96.0.0/16 masquerade fully-random", cidr("100.96.0.0/16", true),
               cidr("100.96.0.0/16"), "masquerade")};
}

const char* kIcmpEntry =
    "ipv4     2 icmp     1 29 src=100.96.1.2 dst=172.20.60.10 type=8 code=0 id=4660 src=172.20.60.10 "
    "dst=172.20.33.102 type=0 code=0 id=31337 mark=0 zone=0 use=2";

TEST(Conntrack, ReadsBothTuplesOfAnEntry) {
  auto e = parse_conntrack(kIcmpEntry);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->protocol, "icmp");
  EXPECT_EQ(e->original.src, kC1);
  EXPECT_EQ(e->original.sport, 4660);
  EXPECT_EQ(e->reply.dst, kN1);
  EXPECT_EQ(e->reply.dport, 31337);
  EXPECT_TRUE(e->natted());
  EXPECT_EQ(e->text.substr(0, 30), "icmp 1 29 src=100.96.1.2 dst=1");
  auto tcp = parse_conntrack("ipv4     2 tcp      6 117 SYN_SENT src=100.96.1.2 dst=100.96.2.3 sport=40000 dport=80 "
                             "[UNREPLIED] src=100.96.2.3 dst=100.96.1.2 sport=80 dport=40000 mark=0 zone=0 use=2");
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(tcp->natted());
  EXPECT_FALSE(parse_conntrack("ipv6     10 tcp      6 117 src=::1 dst=::1 sport=1 dport=2 src=::1 dst=::1 sport=2 dport=1"));
  EXPECT_FALSE(parse_conntrack("ipv4     2 tcp      6 117 src=1.2.3.4"));
  EXPECT_FALSE(parse_conntrack("ipv4     2 udp      17 29 src=100.96.1.300 dst=1.1.1.1 sport=1 dport=2 src=1.1.1.1 "
                               "dst=1.2.3.4 sport=2 dport=1"));
}

TEST(NatRules, FirstMatchAsTheKernelEvaluatesThem) {
  auto rules = flannel_rules();
  EXPECT_EQ(first_nat_rule(rules, kC1, kC2)->text, "ip saddr 100.96.1.0/24 ip daddr 100.96.0.0/16 return");
  EXPECT_EQ(first_nat_rule(rules, kC2, kC1)->text, "ip saddr 100.96.0.0/16 ip daddr 100.96.1.0/24 return");
  EXPECT_EQ(first_nat_rule(rules, kC1, kOut)->verdict, "masquerade");
  EXPECT_EQ(first_nat_rule(rules, kC1, *net::Ipv4::parse("224.0.0.5")), nullptr);
  EXPECT_EQ(first_nat_rule(rules, kN1, kC2)->text, "ip saddr != 100.96.1.0/24 ip daddr 100.96.0.0/16 return");
  EXPECT_EQ(first_nat_rule(rules, kN1, kOut), nullptr);
  rules[1].understood = false;
  EXPECT_EQ(first_nat_rule(rules, kC1, kOut), nullptr);  // cannot tell past a rule it cannot read
}

Bytes echo(uint8_t type, net::Ipv4 src, net::Ipv4 dst, uint16_t id) {
  auto icmp = net::build_icmp_echo(type, id, 1, net::as_bytes(Bytes(16)));
  net::Ipv4Header h;
  h.ttl = 64;
  h.protocol = net::kProtoIcmp;
  h.src = src;
  h.dst = dst;
  return net::build_ipv4(h, net::as_bytes(icmp));
}

Hop hop_of(const Bytes& packet, Direction dir) {
  ProbeKey k;
  Hop h;
  h.host = "node1";
  h.iface = "eth0";
  h.dir = dir;
  h.layers = decode(net::as_bytes(packet), LinkType::raw_ip, k).layers;
  return h;
}

HostState masq_node() {
  HostState h;
  h.nat = flannel_rules();
  h.conntrack = {*parse_conntrack(kIcmpEntry)};
  return h;
}

TEST(ExplainNat, TheMasqueradeAtTheWireNamesTheRuleAndTheEntry) {
  Decision d;
  explain_nat_out(masq_node(), hop_of(echo(net::kIcmpEchoRequest, kN1, kOut, 31337), Direction::out), d);
  EXPECT_EQ(d.nat, "masqueraded: the source 100.96.1.2 (ICMP id 4660) became 172.20.33.102 (ICMP id 31337) by "
                   "`ip saddr 100.96.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random` (ip flannel-ipv4 chain "
                   "postrtg)");
  EXPECT_EQ(d.conntrack.substr(0, 4), "icmp");
}

TEST(ExplainNat, TheAnswerIsHandedBackByConntrack) {
  Decision d;
  EXPECT_TRUE(explain_nat_in(masq_node(), hop_of(echo(net::kIcmpEchoReply, kOut, kN1, 31337), Direction::in), d));
  EXPECT_EQ(d.nat, "the answer to a masqueraded flow: conntrack rewrites its destination 172.20.33.102 (ICMP id 31337) "
                   "back to 100.96.1.2 (ICMP id 4660) and routes it on");
  Decision mine;
  EXPECT_FALSE(explain_nat_in(masq_node(), hop_of(echo(net::kIcmpEchoReply, kOut, kN1, 5), Direction::in), mine));
}

TEST(ExplainNat, InsideTheOverlayTheReturnRuleKeepsTheSource) {
  Decision d;
  explain_nat_out(masq_node(), hop_of(echo(net::kIcmpEchoRequest, kC1, kC2, 9), Direction::out), d);
  EXPECT_EQ(d.nat, "not masqueraded: `ip saddr 100.96.1.0/24 ip daddr 100.96.0.0/16 return` (ip flannel-ipv4 chain "
                   "postrtg) matched first and returns, so the source 100.96.1.2 stays");
  Decision none;
  explain_nat_out(HostState{}, hop_of(echo(net::kIcmpEchoRequest, kC1, kOut, 9), Direction::out), none);
  EXPECT_TRUE(none.empty());  // a host without nat rules has nothing to say
}

// A trace of one packet whose hops are given by name, direction and length.
Trace lost_request(std::vector<std::tuple<std::string, std::string, Direction>> hops, size_t outer_len) {
  Trace t;
  t.from = "container-1";
  t.to = "container-2";
  t.src = kC1;
  t.dst = kC2;
  t.packets = {{"datagram", Leg::request}};
  for (auto& [host, iface, dir] : hops) {
    Hop h;
    h.host = host;
    h.iface = iface;
    h.dir = dir;
    h.layers = {Layer{"ipv4", {{"src", "100.96.1.2"}, {"dst", "100.96.2.3"}, {"len", outer_len}}, ""}};
    t.hops.push_back(h);
  }
  return t;
}

TEST(Judge, AWireThatCarriesLessIsABlackHoleAndSaysBothMtus) {
  auto t = lost_request({{"container-1", "eth0", Direction::out}, {"node1", "eth0", Direction::out}}, 1500);
  Snapshot s;
  s.hosts["container-1"].links = {{"eth0", "veth", "", {}, 1472}};
  s.wires["node1:eth0"] = Wire{"vpc", "node1-eth0", 1450};
  judge(t, s);
  EXPECT_EQ(t.mtu, 1450);
  EXPECT_EQ(t.why, "a black hole: container-1's MTU 1472 lets a 1500-byte packet leave node1:eth0, but segment vpc "
                   "carries at most 1450 bytes, so the frame was dropped on the wire, where nothing sends an ICMP "
                   "error, and no sender learns to send less");
  auto fits = lost_request({{"node1", "eth0", Direction::out}}, 1400);
  judge(fits, s);
  EXPECT_EQ(fits.why, "");  // lost, but not for its size: no verdict is better than a wrong one
}

TEST(Judge, AnAnswerWithNoRouteBack) {
  auto t = lost_request({{"node1", "eth0", Direction::out}, {"internet", "eth0", Direction::in}}, 84);
  t.hops.back().layers[0].fields["dst"] = "172.20.60.10";
  Snapshot s;
  s.hosts["internet"].addrs = {{"eth0", *net::Cidr::parse("172.20.60.10/19")}};
  s.hosts["internet"].routes = {{*net::Cidr::parse("172.20.32.0/19"), {}, {}, "eth0", 2, 253, false}};
  judge(t, s);
  EXPECT_EQ(t.why, "internet received the request but has no route back to its source 100.96.1.2, which nothing on the "
                   "way masqueraded: the overlay's addresses mean nothing outside the cluster, so the answer is never "
                   "sent");
}

TEST(Judge, AnAnsweredProbeOrOneTheSenderJudgedIsLeftAlone) {
  auto t = lost_request({{"node1", "eth0", Direction::out}}, 1500);
  Snapshot s;
  s.wires["node1:eth0"] = Wire{"vpc", "node1-eth0", 1450};
  t.why = "the sender knew";
  judge(t, s);
  EXPECT_EQ(t.why, "the sender knew");
  t.why = "";
  t.reply = true;
  judge(t, s);
  EXPECT_EQ(t.why, "");
}

}  // namespace
}  // namespace ovl::trace
