#include "core/net/packet.h"

#include <algorithm>

#include "core/net/checksum.h"

namespace ovl::net {
namespace {

template <class H>
Parsed<H> fail(ParseError error, const char* why) {
  return Parsed<H>{H{}, error, why};
}

std::vector<std::byte> concat(Bytes head, Bytes tail) {
  std::vector<std::byte> out(head.begin(), head.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace

Parsed<EthernetHeader> parse_ethernet(Bytes frame) {
  if (frame.size() < EthernetHeader::kSize)
    return fail<EthernetHeader>(ParseError::truncated, "shorter than an Ethernet header");
  EthernetHeader h;
  std::array<uint8_t, 6> dst{}, src{};
  for (size_t i = 0; i < 6; ++i) {
    dst[i] = load8(frame, i);
    src[i] = load8(frame, 6 + i);
  }
  h.dst = Mac(dst);
  h.src = Mac(src);
  h.ethertype = load16(frame, 12);
  return {h};
}

Parsed<Ipv4Header> parse_ipv4(Bytes packet, Extent extent) {
  if (packet.size() < Ipv4Header::kMinSize)
    return fail<Ipv4Header>(ParseError::truncated, "shorter than an IPv4 header");
  if (load8(packet, 0) >> 4 != 4)
    return fail<Ipv4Header>(ParseError::malformed, "not IPv4 (version field)");
  Ipv4Header h;
  h.header_length = size_t(load8(packet, 0) & 15) * 4;
  if (h.header_length < Ipv4Header::kMinSize)
    return fail<Ipv4Header>(ParseError::malformed, "IPv4 header length below 20");
  h.tos = load8(packet, 1);
  h.total_length = load16(packet, 2);
  if (h.total_length < h.header_length)
    return fail<Ipv4Header>(ParseError::malformed, "IPv4 total length below header length");
  if (h.total_length > packet.size() && (extent == Extent::whole || packet.size() < h.header_length))
    return fail<Ipv4Header>(ParseError::truncated, "IPv4 total length beyond the buffer");
  h.id = load16(packet, 4);
  h.flags_fragment = load16(packet, 6);
  h.ttl = load8(packet, 8);
  h.protocol = load8(packet, 9);
  h.checksum = load16(packet, 10);
  h.src = Ipv4(load32(packet, 12));
  h.dst = Ipv4(load32(packet, 16));
  return {h};
}

Parsed<IcmpHeader> parse_icmp(Bytes message) {
  if (message.size() < IcmpHeader::kSize)
    return fail<IcmpHeader>(ParseError::truncated, "shorter than an ICMP header");
  IcmpHeader h;
  h.type = load8(message, 0);
  h.code = load8(message, 1);
  h.checksum = load16(message, 2);
  h.id = load16(message, 4);
  h.seq = load16(message, 6);
  return {h};
}

Parsed<UdpHeader> parse_udp(Bytes datagram, Extent extent) {
  if (datagram.size() < UdpHeader::kSize)
    return fail<UdpHeader>(ParseError::truncated, "shorter than a UDP header");
  UdpHeader h;
  h.src_port = load16(datagram, 0);
  h.dst_port = load16(datagram, 2);
  h.length = load16(datagram, 4);
  h.checksum = load16(datagram, 6);
  if (h.length < UdpHeader::kSize)
    return fail<UdpHeader>(ParseError::malformed, "UDP length below 8");
  if (h.length > datagram.size() && extent == Extent::whole)
    return fail<UdpHeader>(ParseError::truncated, "UDP length beyond the buffer");
  return {h};
}

Parsed<TcpHeader> parse_tcp(Bytes segment) {
  if (segment.size() < TcpHeader::kMinSize)
    return fail<TcpHeader>(ParseError::truncated, "shorter than a TCP header");
  TcpHeader h;
  h.src_port = load16(segment, 0);
  h.dst_port = load16(segment, 2);
  h.seq = load32(segment, 4);
  h.ack = load32(segment, 8);
  h.header_length = size_t(load8(segment, 12) >> 4) * 4;
  h.flags = load8(segment, 13);
  h.window = load16(segment, 14);
  h.checksum = load16(segment, 16);
  if (h.header_length < TcpHeader::kMinSize)
    return fail<TcpHeader>(ParseError::malformed, "TCP data offset below 5 words");
  if (h.header_length > segment.size())
    return fail<TcpHeader>(ParseError::truncated, "TCP options beyond the buffer");
  return {h};
}

Parsed<VxlanHeader> parse_vxlan(Bytes header) {
  if (header.size() < VxlanHeader::kSize)
    return fail<VxlanHeader>(ParseError::truncated, "shorter than a VXLAN header");
  VxlanHeader h;
  h.flags = load8(header, 0);
  h.vni = load32(header, 4) >> 8;
  if (!(h.flags & 0x08)) return fail<VxlanHeader>(ParseError::malformed, "VXLAN I flag not set");
  return {h};
}

Bytes ipv4_payload(Bytes packet, const Ipv4Header& header) {
  size_t end = std::min<size_t>(header.total_length, packet.size());
  return packet.subspan(header.header_length, end - header.header_length);
}

bool ipv4_checksum_ok(Bytes packet, const Ipv4Header& header) {
  return internet_checksum(packet.first(header.header_length)) == 0;
}

bool decrement_ttl(MutableBytes packet) {
  uint8_t ttl = load8(packet, 8);
  if (ttl <= 1) return false;
  uint16_t old_word = load16(packet, 8);
  store8(packet, 8, uint8_t(ttl - 1));
  store16(packet, 10, checksum_update(load16(packet, 10), old_word, load16(packet, 8)));
  return true;
}

std::vector<std::byte> build_icmp_echo(uint8_t type, uint16_t id, uint16_t seq, Bytes payload) {
  std::vector<std::byte> out(IcmpHeader::kSize + payload.size());
  MutableBytes b(out);
  store8(b, 0, type);
  store16(b, 4, id);
  store16(b, 6, seq);
  std::copy(payload.begin(), payload.end(), out.begin() + IcmpHeader::kSize);
  store16(b, 2, internet_checksum(b));
  return out;
}

std::vector<std::byte> build_ipv4(const Ipv4Header& header, Bytes payload) {
  std::vector<std::byte> head(Ipv4Header::kMinSize);
  MutableBytes b(head);
  store8(b, 0, 0x45);
  store8(b, 1, header.tos);
  store16(b, 2, uint16_t(Ipv4Header::kMinSize + payload.size()));
  store16(b, 4, header.id);
  store16(b, 6, header.flags_fragment);
  store8(b, 8, header.ttl);
  store8(b, 9, header.protocol);
  store32(b, 12, header.src.value());
  store32(b, 16, header.dst.value());
  store16(b, 10, internet_checksum(b));
  return concat(head, payload);
}

std::vector<std::byte> build_udp(Ipv4 src, uint16_t src_port, Ipv4 dst, uint16_t dst_port,
                                 Bytes payload, uint8_t ttl) {
  std::vector<std::byte> udp(UdpHeader::kSize);
  MutableBytes b(udp);
  store16(b, 0, src_port);
  store16(b, 2, dst_port);
  store16(b, 4, uint16_t(UdpHeader::kSize + payload.size()));
  udp = concat(udp, payload);
  uint32_t pseudo = pseudo_header_sum(src, dst, kProtoUdp, uint16_t(udp.size()));
  uint16_t sum = checksum_finish(checksum_partial(as_bytes(udp), pseudo));
  store16(MutableBytes(udp), 6, sum == 0 ? 0xffff : sum);
  Ipv4Header ip;
  ip.ttl = ttl;
  ip.protocol = kProtoUdp;
  ip.src = src;
  ip.dst = dst;
  return build_ipv4(ip, as_bytes(udp));
}

std::vector<std::byte> build_tcp(Ipv4 src, Ipv4 dst, const TcpHeader& header, Bytes payload, uint8_t ttl) {
  std::vector<std::byte> tcp(TcpHeader::kMinSize);
  MutableBytes b(tcp);
  store16(b, 0, header.src_port);
  store16(b, 2, header.dst_port);
  store32(b, 4, header.seq);
  store32(b, 8, header.ack);
  store8(b, 12, uint8_t(TcpHeader::kMinSize / 4) << 4);
  store8(b, 13, header.flags);
  store16(b, 14, header.window);
  tcp = concat(tcp, payload);
  uint32_t pseudo = pseudo_header_sum(src, dst, kProtoTcp, uint16_t(tcp.size()));
  store16(MutableBytes(tcp), 16, checksum_finish(checksum_partial(as_bytes(tcp), pseudo)));
  Ipv4Header ip;
  ip.ttl = ttl;
  ip.protocol = kProtoTcp;
  ip.flags_fragment = 0x4000;  // DF, as Linux sends TCP
  ip.src = src;
  ip.dst = dst;
  return build_ipv4(ip, as_bytes(tcp));
}

std::vector<std::byte> build_ethernet(Mac dst, Mac src, uint16_t ethertype, Bytes payload) {
  std::vector<std::byte> out(EthernetHeader::kSize);
  MutableBytes b(out);
  for (size_t i = 0; i < 6; ++i) {
    store8(b, i, dst.bytes()[i]);
    store8(b, 6 + i, src.bytes()[i]);
  }
  store16(b, 12, ethertype);
  return concat(out, payload);
}

std::vector<std::byte> build_icmp_error(Ipv4 from, uint8_t type, uint8_t code,
                                        Bytes offending_packet, uint8_t ttl, uint16_t next_hop_mtu) {
  auto offending = parse_ipv4(offending_packet);
  size_t quoted = std::min(offending_packet.size(),
                           offending ? offending.header.header_length + 8 : Ipv4Header::kMinSize);
  std::vector<std::byte> icmp(IcmpHeader::kSize);
  store8(MutableBytes(icmp), 0, type);
  store8(MutableBytes(icmp), 1, code);
  store16(MutableBytes(icmp), 6, next_hop_mtu);
  icmp = concat(icmp, offending_packet.first(quoted));
  store16(MutableBytes(icmp), 2, internet_checksum(as_bytes(icmp)));
  Ipv4Header ip;
  ip.ttl = ttl;
  ip.protocol = kProtoIcmp;
  ip.src = from;
  ip.dst = offending ? offending.header.src : Ipv4();
  return build_ipv4(ip, as_bytes(icmp));
}

bool may_answer_with_icmp_error(Bytes packet, const Ipv4Header& header) {
  if (header.fragment_offset() != 0) return false;
  if (header.protocol != kProtoIcmp) return true;
  auto icmp = parse_icmp(ipv4_payload(packet, header));
  if (!icmp) return false;
  switch (icmp.header.type) {
    case kIcmpEchoRequest: case kIcmpEchoReply: case 13: case 14:  // echo, timestamp
      return true;
    default:
      return false;  // errors (3, 4, 5, 11, 12) and anything unknown
  }
}

}  // namespace ovl::net
