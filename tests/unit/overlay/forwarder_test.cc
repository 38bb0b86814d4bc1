// Two forwarders wired back to back through in-memory fakes: the udp
// backend's data plane without a kernel.
#include "core/overlay/forwarder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>

#include "core/net/checksum.h"
#include "core/net/packet.h"

namespace ovl::overlay {
namespace {

using Bytes = std::vector<std::byte>;

// A TUN device: packets the "kernel" hands to the daemon, and what the
// daemon writes back.
struct FakeTun : PacketDevice {
  std::deque<Bytes> to_daemon;
  std::vector<Bytes> from_daemon;
  size_t read(std::span<Packet> packets) override {
    size_t n = 0;
    for (; n < packets.size() && !to_daemon.empty(); ++n) {
      auto& p = to_daemon.front();
      std::copy(p.begin(), p.end(), packets[n].data);
      packets[n].len = p.size();
      to_daemon.pop_front();
    }
    return n;
  }
  void write(std::span<const Packet> packets) override {
    for (const auto& p : packets) from_daemon.emplace_back(p.data, p.data + p.len);
  }
};

// A UDP socket on a wire: send() delivers into the peer socket's queue.
struct FakeSocket : DatagramSocket {
  Endpoint self;
  FakeSocket* wire = nullptr;
  std::deque<std::pair<Endpoint, Bytes>> inbox;
  std::vector<std::pair<Endpoint, Bytes>> sent;
  size_t recv(std::span<Datagram> out) override {
    size_t n = 0;
    for (; n < out.size() && !inbox.empty(); ++n) {
      auto& [from, bytes] = inbox.front();
      std::copy(bytes.begin(), bytes.end(), out[n].packet.data);  // empty datagrams too
      out[n].packet.len = bytes.size();
      out[n].peer = from;
      inbox.pop_front();
    }
    return n;
  }
  void send(std::span<const Datagram> datagrams) override {
    for (const auto& d : datagrams) {
      Bytes bytes(d.packet.data, d.packet.data + d.packet.len);
      sent.emplace_back(d.peer, bytes);
      if (wire && d.peer == wire->self) wire->inbox.emplace_back(self, bytes);
    }
  }
};

Bytes echo(net::Ipv4 src, net::Ipv4 dst, uint8_t ttl, uint8_t type = net::kIcmpEchoRequest) {
  std::byte payload[8] = {};
  auto icmp = net::build_icmp_echo(type, 7, 1, payload);
  net::Ipv4Header h;
  h.ttl = ttl;
  h.protocol = net::kProtoIcmp;
  h.src = src;
  h.dst = dst;
  return net::build_ipv4(h, net::as_bytes(icmp));
}

const net::Ipv4 kNode1(172, 20, 33, 102), kNode2(172, 20, 54, 98);
const net::Ipv4 kC1(100, 96, 1, 2), kC2(100, 96, 2, 3);

struct TwoNodes : testing::Test {
  FakeTun tun1, tun2;
  FakeSocket udp1, udp2;
  SharedRouteTable routes1, routes2;
  Counters c1, c2;
  TunToUdp out1{routes1, net::Ipv4(100, 96, 1, 0), c1, 4, 2048};
  UdpToTun in2{c2, 4, 2048};

  void SetUp() override {
    udp1.self = {kNode1, 8285};
    udp2.self = {kNode2, 8285};
    udp1.wire = &udp2;
    udp2.wire = &udp1;
    routes1.store(RouteTable({{*net::Cidr::parse("100.96.2.0/24"), {kNode2, 8285}}}));
    routes2.store(RouteTable({{*net::Cidr::parse("100.96.1.0/24"), {kNode1, 8285}}}));
  }
};

TEST_F(TwoNodes, PacketCrossesWithTwoTtlDecrements) {
  tun1.to_daemon.push_back(echo(kC1, kC2, 63));  // container 64, node1 kernel 63
  EXPECT_EQ(out1.pump(tun1, udp1), 1u);
  ASSERT_EQ(udp1.sent.size(), 1u);
  EXPECT_EQ(udp1.sent[0].first, (Endpoint{kNode2, 8285}));
  EXPECT_EQ(in2.pump(udp2, tun2), 1u);
  ASSERT_EQ(tun2.from_daemon.size(), 1u);
  auto ip = net::parse_ipv4(net::as_bytes(tun2.from_daemon[0]));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip.header.ttl, 61);
  EXPECT_TRUE(net::ipv4_checksum_ok(net::as_bytes(tun2.from_daemon[0]), ip.header));
  EXPECT_EQ(ip.header.dst, kC2);
  EXPECT_EQ(c1.udp_tx_packets, 1u);
  EXPECT_EQ(c2.tun_tx_packets, 1u);
}

TEST_F(TwoNodes, WireFormatIsTheInnerPacketUnchangedButForTtl) {
  auto packet = echo(kC1, kC2, 63);
  tun1.to_daemon.push_back(packet);
  out1.pump(tun1, udp1);
  auto sent = udp1.sent.at(0).second;
  ASSERT_EQ(sent.size(), packet.size());
  EXPECT_EQ(uint8_t(sent[8]), 62);
  sent[8] = packet[8];
  sent[10] = packet[10];
  sent[11] = packet[11];
  EXPECT_EQ(sent, packet);
}

TEST_F(TwoNodes, UnknownDestinationGetsNetUnreachableFromTunAddress) {
  tun1.to_daemon.push_back(echo(kC1, net::Ipv4(100, 96, 9, 9), 63));
  out1.pump(tun1, udp1);
  EXPECT_TRUE(udp1.sent.empty());
  ASSERT_EQ(tun1.from_daemon.size(), 1u);
  auto& reply = tun1.from_daemon[0];
  auto ip = net::parse_ipv4(net::as_bytes(reply));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip.header.src.str(), "100.96.1.0");
  EXPECT_EQ(ip.header.dst, kC1);
  EXPECT_EQ(ip.header.ttl, 8);
  auto icmp = net::parse_icmp(net::ipv4_payload(net::as_bytes(reply), ip.header));
  EXPECT_EQ(icmp.header.type, net::kIcmpUnreachable);
  EXPECT_EQ(icmp.header.code, net::kIcmpNetUnreachable);
  EXPECT_EQ(c1.icmp_unreachable_sent, 1u);
  EXPECT_EQ(c1.drop_no_route, 1u);
}

TEST_F(TwoNodes, NoIcmpErrorAboutAnIcmpError) {
  tun1.to_daemon.push_back(echo(kC1, net::Ipv4(100, 96, 9, 9), 63, net::kIcmpUnreachable));
  out1.pump(tun1, udp1);
  EXPECT_TRUE(tun1.from_daemon.empty());
  EXPECT_EQ(c1.drop_no_route, 1u);
  EXPECT_EQ(c1.icmp_unreachable_sent, 0u);
}

TEST_F(TwoNodes, GarbageIsCountedAndDroppedWhileRealTrafficFlows) {
  auto good = echo(kC1, kC2, 62);
  auto v6 = good;
  v6[0] = std::byte(0x60);
  auto long_claim = good;
  net::store16(long_claim, 2, uint16_t(good.size() + 40));
  auto short_claim = good;
  net::store16(short_claim, 2, uint16_t(good.size() - 4));
  auto bad_sum = good;
  bad_sum[10] ^= std::byte(0xff);
  for (const Bytes& garbage : {Bytes(), Bytes(5), v6, long_claim, short_claim, bad_sum, echo(kC1, kC2, 1)})
    udp2.inbox.emplace_back(Endpoint{kNode1, 8285}, garbage);
  udp2.inbox.emplace_back(Endpoint{kNode1, 8285}, good);
  while (in2.pump(udp2, tun2)) {
  }
  ASSERT_EQ(tun2.from_daemon.size(), 1u);
  EXPECT_EQ(net::parse_ipv4(net::as_bytes(tun2.from_daemon[0])).header.ttl, 61);
  EXPECT_EQ(c2.drop_truncated, 3u);  // empty; 5 bytes; total length beyond the datagram
  EXPECT_EQ(c2.drop_malformed, 3u);  // not IPv4; trailing bytes; bad checksum
  EXPECT_EQ(c2.drop_ttl, 1u);
  EXPECT_EQ(c2.udp_rx_packets, 8u);
}

TEST(RouteTable, LongestPrefixWinsAndUpdatesReplace) {
  RouteTable t({{*net::Cidr::parse("100.96.0.0/16"), {kNode1, 1}}, {*net::Cidr::parse("100.96.2.0/24"), {kNode2, 2}}});
  EXPECT_EQ(t.lookup(kC2)->next_hop.port, 2);
  EXPECT_EQ(t.lookup(kC1)->next_hop.port, 1);
  EXPECT_EQ(t.lookup(net::Ipv4(10, 0, 0, 1)), nullptr);
  auto moved = t.with({*net::Cidr::parse("100.96.2.0/24"), {kNode1, 3}});
  EXPECT_EQ(moved.routes().size(), 2u);
  EXPECT_EQ(moved.lookup(kC2)->next_hop.port, 3);
  EXPECT_EQ(moved.without(*net::Cidr::parse("100.96.2.0/24")).lookup(kC2)->next_hop.port, 1);
}

}  // namespace
}  // namespace ovl::overlay
