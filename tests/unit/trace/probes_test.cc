// TCP, UDP and fragment probes through the trace pipeline without a kernel:
// the decoders (TCP, fragments, ICMP errors and what they quote, GSO
// super-packets), matching through NAT, packets of an exchange and their
// order, and truncated input.
#include <gtest/gtest.h>

#include "core/net/packet.h"
#include "core/trace/render.h"
#include "core/trace/trace.h"
#include "core/trace/walk.h"

namespace ovl::trace {
namespace {

using Bytes = std::vector<std::byte>;
using scenario::ProbeKind;
const net::Ipv4 kC1(100, 96, 1, 2), kC2(100, 96, 2, 3), kN1(172, 20, 33, 102), kN2(172, 20, 54, 98);
const net::Mac kMacA = *net::Mac::parse("02:00:00:00:00:0a"), kMacB = *net::Mac::parse("02:00:00:00:00:0b");
constexpr uint32_t kIsn = 1000, kServerIsn = 7000;

Bytes eth(const Bytes& ip) { return net::build_ethernet(kMacB, kMacA, net::kEtherTypeIpv4, net::as_bytes(ip)); }
Bytes in_udp(const Bytes& inner) { return eth(net::build_udp(kN1, 8285, kN2, 8285, net::as_bytes(inner))); }

Bytes segment(net::Ipv4 src, uint16_t sport, net::Ipv4 dst, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
              size_t len = 0) {
  net::TcpHeader h;
  h.src_port = sport;
  h.dst_port = dport;
  h.seq = seq;
  h.ack = ack;
  h.flags = flags;
  return net::build_tcp(src, dst, h, net::as_bytes(Bytes(len, std::byte{'x'})));
}

using T = net::TcpHeader;
Bytes syn() { return segment(kC1, 40000, kC2, 80, T::kSyn, kIsn, 0); }
Bytes syn_ack() { return segment(kC2, 80, kC1, 40000, T::kSyn | T::kAck, kServerIsn, kIsn + 1); }
Bytes ack() { return segment(kC1, 40000, kC2, 80, T::kAck, kIsn + 1, kServerIsn + 1); }

ProbeKey tcp_key(std::optional<uint32_t> isn = std::nullopt) {
  ProbeKey k;
  k.kind = ProbeKind::tcp;
  k.src = kC1;
  k.dst = kC2;
  k.sport = 40000;
  k.dport = 80;
  k.isn = isn;
  return k;
}

Bytes nonce() { return Bytes(16, std::byte(0x5a)); }

Bytes datagram_payload(size_t size) {
  Bytes p = nonce();
  p.resize(size, std::byte{7});
  return p;
}

ProbeKey udp_key() {
  ProbeKey k;
  k.kind = ProbeKind::udp;
  k.src = kC1;
  k.dst = kC2;
  k.sport = 50000;
  k.dport = 7;
  k.nonce = nonce();
  return k;
}

// The IPv4 fragment of packet that starts `offset` bytes into its payload
// and holds `len` of them, as the kernel cuts a datagram larger than the MTU.
Bytes fragment(const Bytes& packet, size_t offset, size_t len, bool more) {
  auto ip = net::parse_ipv4(net::as_bytes(packet));
  auto h = ip.header;
  h.id = 4242;
  h.flags_fragment = uint16_t((more ? 0x2000 : 0) | offset / 8);
  auto payload = net::ipv4_payload(net::as_bytes(packet), ip.header).subspan(offset, len);
  return net::build_ipv4(h, payload);
}

TEST(DecodeTcp, ReadsTheHeaderAndNamesTheSegments) {
  auto d = decode(net::as_bytes(eth(syn())), LinkType::ethernet, tcp_key(kIsn));
  ASSERT_EQ(d.leg, Leg::request);
  EXPECT_EQ(d.label, "SYN");
  const Layer* tcp = last(d.layers, "tcp");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->fields["sport"], 40000);
  EXPECT_EQ(tcp->fields["seq"], kIsn);
  EXPECT_EQ(tcp->fields["flags"], "SYN");
  EXPECT_EQ(tcp->summary, "TCP 40000 > 80 SYN seq 1000");
  auto back = decode(net::as_bytes(syn_ack()), LinkType::raw_ip, tcp_key(kIsn));
  EXPECT_EQ(back.leg, Leg::reply);
  EXPECT_EQ(back.label, "SYN-ACK");
  EXPECT_EQ(decode(net::as_bytes(ack()), LinkType::raw_ip, tcp_key(kIsn)).label, "ACK");
  auto data = segment(kC1, 40000, kC2, 80, T::kAck | T::kPsh, kIsn + 1, kServerIsn + 1, 100);
  auto k = tcp_key(kIsn);
  k.size = 100;
  EXPECT_EQ(decode(net::as_bytes(data), LinkType::raw_ip, k).label, "data bytes 1-100");
  auto acked = segment(kC2, 80, kC1, 40000, T::kAck, kServerIsn + 1, kIsn + 101);
  EXPECT_EQ(decode(net::as_bytes(acked), LinkType::raw_ip, k).label, "ACK of 100 bytes");
  auto rst = segment(kC2, 80, kC1, 40000, T::kRst | T::kAck, 0, kIsn + 1);
  EXPECT_EQ(decode(net::as_bytes(rst), LinkType::raw_ip, k).label, "RST");
}

TEST(DecodeTcp, LeavesOtherSegmentsAlone) {
  EXPECT_FALSE(decode(net::as_bytes(syn()), LinkType::raw_ip, tcp_key()).leg);  // no ISN known yet
  EXPECT_FALSE(decode(net::as_bytes(segment(kC1, 40000, kC2, 80, T::kSyn, kIsn + 5000, 0)), LinkType::raw_ip,
                      tcp_key(kIsn)).leg);
  EXPECT_FALSE(decode(net::as_bytes(segment(kC1, 40000, kC2, 81, T::kSyn, kIsn, 0)), LinkType::raw_ip,
                      tcp_key(kIsn)).leg);
  auto fin = segment(kC1, 40000, kC2, 80, T::kFin | T::kAck, kIsn + 1, kServerIsn + 1);
  EXPECT_FALSE(decode(net::as_bytes(fin), LinkType::raw_ip, tcp_key(kIsn)).leg);
}

// A segment as it is past node1's masquerade: the client's end is node1's
// address and another port; flags and sequence numbers are untouched.
Bytes masqueraded(const Bytes& p) {
  auto ip = net::parse_ipv4(net::as_bytes(p)).header;
  auto tcp = net::parse_tcp(net::ipv4_payload(net::as_bytes(p), ip)).header;
  bool request = ip.src == kC1;
  if (request) return segment(kN1, 61000, ip.dst, tcp.dst_port, tcp.flags, tcp.seq, tcp.ack);
  return segment(ip.src, tcp.src_port, kN1, 61000, tcp.flags, tcp.seq, tcp.ack);
}

Capture handshake(bool natted) {
  Capture c;
  c.points = {{"container-1", "eth0", LinkType::ethernet, ""}, {"node1", "eth0", LinkType::ethernet, ""},
              {"container-2", "eth0", LinkType::ethernet, ""}};
  auto wire = [&](const Bytes& p, bool) { return natted ? eth(masqueraded(p)) : in_udp(p); };
  c.sightings = {{2, 300, Direction::out, eth(syn_ack()), 0}, {0, 100, Direction::out, eth(syn()), 0},
                 {1, 150, Direction::out, wire(syn(), true), 0}, {2, 200, Direction::in, eth(syn()), 0},
                 {1, 350, Direction::in, wire(syn_ack(), false), 0}, {0, 400, Direction::in, eth(syn_ack()), 0},
                 {0, 500, Direction::out, eth(ack()), 0}, {1, 550, Direction::out, wire(ack(), true), 0},
                 {2, 600, Direction::in, eth(ack()), 0}};
  return c;
}

std::vector<std::string> packet_walk(const Trace& t) {
  std::vector<std::string> out;
  for (const auto& h : t.hops) out.push_back(t.packets[h.packet].name + " " + h.name() + " " + to_string(h.dir));
  return out;
}

TEST(BuildTraceTcp, TheHandshakeInOrderPacketByPacket) {
  auto t = build_trace(handshake(false), tcp_key(), {});
  ASSERT_EQ(t.packets.size(), 3u);
  EXPECT_EQ(t.packets[0].name, "SYN");
  EXPECT_EQ(t.packets[1].name, "SYN-ACK");
  EXPECT_EQ(t.packets[1].leg, Leg::reply);
  EXPECT_EQ(t.packets[2].name, "ACK");
  EXPECT_EQ(t.packets[2].leg, Leg::request);
  EXPECT_EQ(packet_walk(t), (std::vector<std::string>{
                                "SYN container-1:eth0 out", "SYN node1:eth0 out", "SYN container-2:eth0 in",
                                "SYN-ACK container-2:eth0 out", "SYN-ACK node1:eth0 in", "SYN-ACK container-1:eth0 in",
                                "ACK container-1:eth0 out", "ACK node1:eth0 out", "ACK container-2:eth0 in"}));
}

// The masquerade rewrote the client's address and port; the server's end
// and the sequence numbers still say it is the probe.
// The classroom walk compares a hop with its own packet's previous hop: the
// ACK starts afresh at container-1, it does not "remove" the SYN's last hop.
TEST(BuildTraceTcp, TheWalkComparesHopsWithinTheirPacket) {
  auto t = build_trace(handshake(false), tcp_key(), {});
  auto w = walk(t);
  ASSERT_EQ(w.size(), 9u);
  EXPECT_TRUE(w[6].removed.empty());                                     // ACK at container-1:eth0
  EXPECT_EQ(std::count(w[6].added.begin(), w[6].added.end(), true), 0);  // nothing to compare with
  EXPECT_EQ(std::count(w[7].added.begin(), w[7].added.end(), true), 3);  // + Ethernet, IPv4, UDP 8285
}

TEST(BuildTraceTcp, SequenceNumbersSeeThroughMasquerade) {
  auto t = build_trace(handshake(true), tcp_key(), {});
  EXPECT_EQ(t.hops.size(), 9u);
  EXPECT_EQ(inner_ipv4(t.hops[1].layers)->fields["src"], "172.20.33.102");
}

TEST(BuildTraceTcp, ARetransmissionIsAPacketOfItsOwn) {
  Capture c;
  c.points = {{"container-1", "eth0", LinkType::ethernet, ""}, {"node1", "eth0", LinkType::ethernet, ""}};
  c.sightings = {{0, 100, Direction::out, eth(syn()), 0}, {1, 110, Direction::out, in_udp(syn()), 0},
                 {0, 1100, Direction::out, eth(syn()), 0}, {1, 1110, Direction::out, in_udp(syn()), 0}};
  auto t = build_trace(c, tcp_key(), {});
  ASSERT_EQ(t.packets.size(), 2u);
  EXPECT_EQ(t.packets[1].name, "SYN");
  EXPECT_EQ(t.hops[2].packet, 1u);
  EXPECT_EQ(t.hops[2].t_ns, 1100);
}

TEST(DecodeFragments, TheFirstFragmentIsMatchedAndSaysWhatItIs) {
  auto datagram = net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(1600)));
  auto first = fragment(datagram, 0, 1480, true);
  auto d = decode(net::as_bytes(eth(first)), LinkType::ethernet, udp_key());
  ASSERT_EQ(d.leg, Leg::request);
  EXPECT_EQ(d.label, "datagram");
  EXPECT_EQ(d.fragment_offset, 0);
  const Layer* ip = inner_ipv4(d.layers);
  EXPECT_EQ(ip->fields["mf"], true);
  EXPECT_EQ(ip->fields["frag_offset"], 0);
  EXPECT_EQ(ip->fields["id"], 4242);
  EXPECT_NE(ip->summary.find("fragment id 4242 offset 0 (more follow)"), std::string::npos);
  EXPECT_EQ(last(d.layers, "udp")->fields["len"], 1608);  // the whole datagram's, past this fragment's bytes
  auto rest = decode(net::as_bytes(eth(fragment(datagram, 1480, 128, false))), LinkType::ethernet, udp_key());
  EXPECT_FALSE(rest.leg);  // no header to recognise it by: build_trace matches it by IP id
  EXPECT_EQ(inner_ipv4(rest.layers)->fields["frag_offset"], 1480);
}

TEST(BuildTraceFragments, EachFragmentCrossesAsAPacketOfItsOwn) {
  auto datagram = net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(1600)));
  auto a = fragment(datagram, 0, 1480, true), b = fragment(datagram, 1480, 128, false);
  auto stranger = fragment(net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(Bytes(1600))), 1480, 128, false);
  stranger[5] = std::byte(1);  // another datagram's id
  Capture c;
  c.points = {{"container-1", "eth0", LinkType::ethernet, ""}, {"node1", "eth0", LinkType::ethernet, ""}};
  c.sightings = {{0, 100, Direction::out, eth(a), 0}, {0, 101, Direction::out, eth(b), 0},
                 {1, 150, Direction::out, in_udp(a), 0}, {1, 151, Direction::out, in_udp(b), 0},
                 {1, 152, Direction::out, in_udp(stranger), 0}};
  auto t = build_trace(c, udp_key(), {});
  EXPECT_EQ(packet_walk(t), (std::vector<std::string>{
                                "datagram, fragment at offset 0 container-1:eth0 out",
                                "datagram, fragment at offset 0 node1:eth0 out",
                                "datagram, fragment at offset 1480 container-1:eth0 out",
                                "datagram, fragment at offset 1480 node1:eth0 out"}));
}

// overlayd's fast data plane sends several datagrams to one peer in one
// UDP GSO send; a veth carries them as one skb, the capture as one sighting.
TEST(DecodeGso, EveryDatagramOfASuperPacketIsDecoded) {
  auto datagram = net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(1600)));
  auto a = fragment(datagram, 0, 1480, true), b = fragment(datagram, 1480, 128, false);
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  auto frame = eth(net::build_udp(kN1, 8285, kN2, 8285, net::as_bytes(both)));
  auto d = decode(net::as_bytes(frame), LinkType::ethernet, udp_key(), DecodeOptions{8285, 0});
  ASSERT_EQ(d.also.size(), 1u);
  EXPECT_EQ(first(d.layers, "udp")->fields["gso_datagrams"], 2);
  EXPECT_EQ(inner_ipv4(d.also[0].layers)->fields["frag_offset"], 1480);
  EXPECT_EQ(outer_ipv4(d.also[0].layers)->fields["src"], "172.20.33.102");
  Capture c;
  c.points = {{"node1", "eth0", LinkType::ethernet, ""}};
  c.sightings = {{0, 100, Direction::out, frame, 0}};
  EXPECT_EQ(build_trace(c, udp_key(), DecodeOptions{8285, 0}).hops.size(), 2u);
}

TEST(DecodeIcmpError, FragNeededNamesTheMtuAndQuotesTheProbe) {
  auto probe = net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(1472)));
  auto error = net::build_icmp_error(net::Ipv4(100, 96, 1, 1), net::kIcmpUnreachable, net::kIcmpFragNeeded,
                                     net::as_bytes(probe), 64, 1472);
  auto d = decode(net::as_bytes(eth(error)), LinkType::ethernet, udp_key());
  ASSERT_EQ(d.leg, Leg::reply);
  EXPECT_EQ(d.label, "ICMP fragmentation needed (mtu 1472) from 100.96.1.1");
  const Layer* icmp = last(d.layers, "icmp");
  EXPECT_EQ(icmp->fields["mtu"], 1472);
  EXPECT_EQ(icmp->fields["quoted"]["len"], 1500);
  EXPECT_EQ(icmp->fields["quoted"]["sport"], 50000);
  EXPECT_EQ(icmp->fields["quoted"]["dport"], 7);
  EXPECT_EQ(icmp->summary, "ICMP fragmentation needed (mtu 1472), quoting 100.96.1.2 > 100.96.2.3 UDP 50000 > 7 "
                           "(1500 bytes)");
  auto other = udp_key();
  other.dport = 53;
  EXPECT_FALSE(decode(net::as_bytes(eth(error)), LinkType::ethernet, other).leg);
}

TEST(DecodeIcmpError, QuotedTcpIsMatchedBySequenceNumber) {
  auto error = net::build_icmp_error(net::Ipv4(100, 96, 1, 1), net::kIcmpUnreachable, net::kIcmpFragNeeded,
                                     net::as_bytes(ack()), 64, 1472);
  EXPECT_EQ(decode(net::as_bytes(error), LinkType::raw_ip, tcp_key(kIsn)).leg, Leg::reply);
  EXPECT_FALSE(decode(net::as_bytes(error), LinkType::raw_ip, tcp_key(kIsn + 90000)).leg);
}

// Every prefix of every kind of packet decodes without reading past its
// end; a whole capture may be cut (cut=true) and still show what it holds.
TEST(DecodeTruncated, PrefixesNeverReadPastTheirEnd) {
  auto probe = net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(100)));
  std::vector<Bytes> packets{
      in_udp(segment(kC1, 40000, kC2, 80, T::kAck, kIsn + 1, kServerIsn + 1, 300)),
      eth(net::build_icmp_error(net::Ipv4(100, 96, 1, 1), net::kIcmpUnreachable, net::kIcmpFragNeeded,
                                net::as_bytes(probe), 64, 1472)),
      in_udp(fragment(net::build_udp(kC1, 50000, kC2, 7, net::as_bytes(datagram_payload(1600))), 0, 1480, true))};
  for (const auto& p : packets)
    for (size_t n = 0; n <= p.size(); ++n)
      for (bool cut : {false, true}) {
        auto d = decode(net::as_bytes(p).first(n), LinkType::ethernet, tcp_key(kIsn), DecodeOptions{8285, 0}, cut);
        EXPECT_LE(d.layers.size(), 5u);
        if (!cut && n < p.size()) {
          EXPECT_LE(d.layers.size(), 2u) << n;  // the outer IPv4 refuses a short packet
        }
      }
  // Cut after the TCP header: the segment is still seen, with its length.
  auto data = in_udp(segment(kC1, 40000, kC2, 80, T::kAck, kIsn + 1, kServerIsn + 1, 300));
  auto k = tcp_key(kIsn);
  k.size = 300;
  auto d = decode(net::as_bytes(data).first(14 + 20 + 8 + 20 + 20), LinkType::ethernet, k, DecodeOptions{8285, 0}, true);
  ASSERT_TRUE(last(d.layers, "tcp"));
  EXPECT_EQ(last(d.layers, "tcp")->fields["len"], 300);
  EXPECT_EQ(d.label, "data bytes 1-300");
}

TEST(RenderProbes, JsonCarriesTheProbeAndItsPacketsAndReadsBack) {
  auto t = build_trace(handshake(false), tcp_key(), {});
  t.probe = "syn";
  t.spec = scenario::default_probe_spec(ProbeKind::tcp);
  t.mtu = 1450;
  t.why = "because";
  auto j = to_json(t);
  EXPECT_EQ(j["kind"], "tcp");
  EXPECT_EQ(j["port"], 80);
  EXPECT_EQ(j["mtu"], 1450);
  EXPECT_EQ(j["packets"][1]["name"], "SYN-ACK");
  EXPECT_EQ(j["hops"][3]["packet"], 1);
  EXPECT_EQ(j["hops"][0]["layers"][2]["seq"], kIsn);
  auto back = from_json(j);
  EXPECT_EQ(back.spec.kind, ProbeKind::tcp);
  EXPECT_EQ(back.packets.size(), 3u);
  EXPECT_EQ(back.hops[3].packet, 1u);
  EXPECT_EQ(back.why, "because");
  EXPECT_NE(render_table(t).find("-- reply: SYN-ACK"), std::string::npos);
}

}  // namespace
}  // namespace ovl::trace
