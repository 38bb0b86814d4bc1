#include "core/net/packet.h"

#include <gtest/gtest.h>

#include "core/net/checksum.h"

namespace ovl::net {
namespace {

std::vector<std::byte> text(const char* s) {
  std::vector<std::byte> out;
  for (; *s; ++s) out.push_back(std::byte(*s));
  return out;
}

std::vector<std::byte> echo_packet(uint8_t ttl) {
  auto icmp = build_icmp_echo(kIcmpEchoRequest, 0x1234, 7, as_bytes(text("nonce")));
  Ipv4Header h;
  h.ttl = ttl;
  h.protocol = kProtoIcmp;
  h.src = Ipv4(100, 96, 1, 2);
  h.dst = Ipv4(100, 96, 2, 3);
  return build_ipv4(h, as_bytes(icmp));
}

TEST(Packet, BuildsAndParsesIcmpEcho) {
  auto packet = echo_packet(64);
  auto ip = parse_ipv4(as_bytes(packet));
  ASSERT_TRUE(ip) << ip.why;
  EXPECT_EQ(ip.header.src.str(), "100.96.1.2");
  EXPECT_EQ(ip.header.ttl, 64);
  EXPECT_TRUE(ipv4_checksum_ok(as_bytes(packet), ip.header));
  auto payload = ipv4_payload(as_bytes(packet), ip.header);
  EXPECT_EQ(internet_checksum(payload), 0);
  auto icmp = parse_icmp(payload);
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp.header.type, kIcmpEchoRequest);
  EXPECT_EQ(icmp.header.id, 0x1234);
  EXPECT_EQ(icmp.header.seq, 7);
}

TEST(Packet, DecrementTtlKeepsChecksumValid) {
  auto packet = echo_packet(64);
  ASSERT_TRUE(decrement_ttl(packet));
  auto ip = parse_ipv4(as_bytes(packet));
  EXPECT_EQ(ip.header.ttl, 63);
  EXPECT_TRUE(ipv4_checksum_ok(as_bytes(packet), ip.header));
}

TEST(Packet, DecrementTtlRefusesTtlOne) {
  auto packet = echo_packet(1);
  auto before = packet;
  EXPECT_FALSE(decrement_ttl(packet));
  EXPECT_EQ(packet, before);
}

TEST(Packet, Ipv4RejectsGarbage) {
  auto packet = echo_packet(64);
  EXPECT_EQ(parse_ipv4(as_bytes(packet).first(10)).error, ParseError::truncated);
  auto v6 = packet;
  v6[0] = std::byte(0x65);
  EXPECT_EQ(parse_ipv4(as_bytes(v6)).error, ParseError::malformed);
  auto long_claim = packet;
  store16(long_claim, 2, 2000);
  EXPECT_EQ(parse_ipv4(as_bytes(long_claim)).error, ParseError::truncated);
  auto short_claim = packet;
  store16(short_claim, 2, 10);
  EXPECT_EQ(parse_ipv4(as_bytes(short_claim)).error, ParseError::malformed);
  auto small_ihl = packet;
  small_ihl[0] = std::byte(0x44);
  EXPECT_EQ(parse_ipv4(as_bytes(small_ihl)).error, ParseError::malformed);
}

TEST(Packet, PayloadDropsLinkPadding) {
  auto packet = echo_packet(64);
  size_t real = packet.size();
  packet.resize(real + 6);  // Ethernet minimum-frame padding
  auto ip = parse_ipv4(as_bytes(packet));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ipv4_payload(as_bytes(packet), ip.header).size(), real - 20);
}

TEST(Packet, UdpChecksumVerifiesOverPseudoHeader) {
  auto inner = echo_packet(63);
  auto packet = build_udp(Ipv4(172, 20, 33, 102), 8285, Ipv4(172, 20, 54, 98), 8285, as_bytes(inner));
  auto ip = parse_ipv4(as_bytes(packet));
  ASSERT_TRUE(ip);
  auto datagram = ipv4_payload(as_bytes(packet), ip.header);
  auto udp = parse_udp(datagram);
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp.header.dst_port, 8285);
  EXPECT_EQ(udp.header.length, 8 + inner.size());
  std::byte pseudo[12];
  store32(pseudo, 0, ip.header.src.value());
  store32(pseudo, 4, ip.header.dst.value());
  store16(pseudo, 8, kProtoUdp);
  store16(pseudo, 10, udp.header.length);
  EXPECT_EQ(checksum_finish(checksum_partial(datagram, checksum_partial(pseudo))), 0);
}

TEST(Packet, IcmpErrorQuotesOffendingHeader) {
  auto offending = echo_packet(63);
  auto error = build_icmp_error(Ipv4(100, 96, 1, 0), kIcmpUnreachable, kIcmpNetUnreachable,
                                as_bytes(offending));
  auto ip = parse_ipv4(as_bytes(error));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip.header.dst.str(), "100.96.1.2");
  auto payload = ipv4_payload(as_bytes(error), ip.header);
  auto icmp = parse_icmp(payload);
  EXPECT_EQ(icmp.header.type, kIcmpUnreachable);
  EXPECT_EQ(icmp.header.code, kIcmpNetUnreachable);
  EXPECT_EQ(internet_checksum(payload), 0);
  EXPECT_EQ(payload.size(), 8u + 20 + 8);
}

TEST(Packet, FragNeededCarriesTheNextHopMtu) {
  auto offending = echo_packet(63);
  auto error = build_icmp_error(Ipv4(100, 96, 1, 1), kIcmpUnreachable, kIcmpFragNeeded, as_bytes(offending), 64, 1472);
  auto ip = parse_ipv4(as_bytes(error));
  auto payload = ipv4_payload(as_bytes(error), ip.header);
  auto icmp = parse_icmp(payload);
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp_next_hop_mtu(icmp.header), 1472);
  EXPECT_EQ(internet_checksum(payload), 0);
}

TcpHeader syn(uint32_t seq) {
  TcpHeader h;
  h.src_port = 40000;
  h.dst_port = 80;
  h.seq = seq;
  h.flags = TcpHeader::kSyn;
  h.window = 64240;
  return h;
}

TEST(Packet, BuildsAndParsesTcp) {
  auto packet = build_tcp(Ipv4(100, 96, 1, 2), Ipv4(100, 96, 2, 3), syn(0xdeadbeef), as_bytes(text("hi")));
  auto ip = parse_ipv4(as_bytes(packet));
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip.header.dont_fragment());
  auto segment = ipv4_payload(as_bytes(packet), ip.header);
  auto tcp = parse_tcp(segment);
  ASSERT_TRUE(tcp) << tcp.why;
  EXPECT_EQ(tcp.header.src_port, 40000);
  EXPECT_EQ(tcp.header.seq, 0xdeadbeef);
  EXPECT_TRUE(tcp.header.has(TcpHeader::kSyn));
  EXPECT_FALSE(tcp.header.has(TcpHeader::kAck));
  EXPECT_EQ(tcp.header.header_length, 20u);
  EXPECT_EQ(checksum_finish(checksum_partial(segment, pseudo_header_sum(ip.header.src, ip.header.dst, kProtoTcp,
                                                                          uint16_t(segment.size())))),
            0);
}

TEST(Packet, TcpRejectsTruncatedAndBadOffsets) {
  auto packet = build_tcp(Ipv4(1, 1, 1, 1), Ipv4(2, 2, 2, 2), syn(1), {});
  auto segment = std::vector<std::byte>(packet.begin() + 20, packet.end());
  for (size_t n = 0; n < 20; ++n) EXPECT_EQ(parse_tcp(as_bytes(segment).first(n)).error, ParseError::truncated) << n;
  auto small = segment;
  small[12] = std::byte(0x40);  // 4 words
  EXPECT_EQ(parse_tcp(as_bytes(small)).error, ParseError::malformed);
  auto options = segment;
  options[12] = std::byte(0x80);  // 8 words of header in a 20-byte buffer
  EXPECT_EQ(parse_tcp(as_bytes(options)).error, ParseError::truncated);
}

// A capture cut at its snap length, or a first fragment, holds only the
// start of what its headers describe.
TEST(Packet, PartialExtentAcceptsLengthsPastTheBuffer) {
  auto inner = echo_packet(63);
  auto packet = build_udp(Ipv4(172, 20, 33, 102), 8285, Ipv4(172, 20, 54, 98), 8285, as_bytes(inner));
  auto cut = as_bytes(packet).first(30);
  EXPECT_EQ(parse_ipv4(cut).error, ParseError::truncated);
  auto ip = parse_ipv4(cut, Extent::partial);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip.header.total_length, packet.size());
  auto udp_bytes = ipv4_payload(cut, ip.header);
  EXPECT_EQ(udp_bytes.size(), 10u);
  EXPECT_EQ(parse_udp(udp_bytes).error, ParseError::truncated);
  ASSERT_TRUE(parse_udp(udp_bytes, Extent::partial));
  EXPECT_EQ(parse_udp(udp_bytes, Extent::partial).header.length, 8 + inner.size());
  EXPECT_EQ(parse_ipv4(as_bytes(packet).first(12), Extent::partial).error, ParseError::truncated);
}

TEST(Packet, VxlanNeedsIFlag) {
  std::byte header[8] = {std::byte(0x08), {}, {}, {}, std::byte(0), std::byte(0), std::byte(1), {}};
  auto vx = parse_vxlan(header);
  ASSERT_TRUE(vx);
  EXPECT_EQ(vx.header.vni, 1u);
  header[0] = std::byte(0);
  EXPECT_FALSE(parse_vxlan(header));
}

}  // namespace
}  // namespace ovl::net
