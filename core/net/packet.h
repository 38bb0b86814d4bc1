// Decoders and builders for the headers a probe can wear: Ethernet, IPv4,
// ICMP, UDP, TCP and VXLAN. Decoders read bytes with explicit big-endian loads and
// report why a buffer is not a valid header instead of throwing.
#pragma once

#include <cstdint>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"

namespace ovl::net {

enum class ParseError : uint8_t { none, truncated, malformed };

template <class Header>
struct Parsed {
  Header header{};
  ParseError error = ParseError::none;
  const char* why = "";  // a static string naming the defect
  explicit operator bool() const { return error == ParseError::none; }
};

// What an overlay wraps around each inner IPv4 packet, and so takes off the
// underlay MTU: udp an outer IPv4 and UDP header (20 + 8); vxlan those, the
// VXLAN header and the inner Ethernet header (20 + 8 + 8 + 14).
inline constexpr int kUdpOverhead = 28;
inline constexpr int kVxlanOverhead = 50;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpNetUnreachable = 0;  // code for kIcmpUnreachable
inline constexpr uint8_t kIcmpFragNeeded = 4;      // code for kIcmpUnreachable: DF set, too big

struct EthernetHeader {
  static constexpr size_t kSize = 14;
  Mac dst, src;
  uint16_t ethertype = 0;
};

struct Ipv4Header {
  static constexpr size_t kMinSize = 20;
  size_t header_length = kMinSize;  // bytes, from IHL
  uint8_t tos = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  uint16_t flags_fragment = 0;
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  uint16_t checksum = 0;
  Ipv4 src, dst;

  bool dont_fragment() const { return flags_fragment & 0x4000; }
  bool more_fragments() const { return flags_fragment & 0x2000; }
  uint16_t fragment_offset() const { return flags_fragment & 0x1fff; }  // in 8-byte units
};

struct IcmpHeader {
  static constexpr size_t kSize = 8;
  uint8_t type = 0, code = 0;
  uint16_t checksum = 0;
  uint16_t id = 0, seq = 0;  // meaningful for echo request and reply
};

struct UdpHeader {
  static constexpr size_t kSize = 8;
  uint16_t src_port = 0, dst_port = 0, length = 0, checksum = 0;
};

struct TcpHeader {
  static constexpr size_t kMinSize = 20;
  static constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0, ack = 0;
  size_t header_length = kMinSize;  // bytes, from the data offset
  uint8_t flags = 0;                // the low 8 flag bits (CWR ECE URG ACK PSH RST SYN FIN)
  uint16_t window = 0, checksum = 0;
  bool has(uint8_t flag) const { return flags & flag; }
};

struct VxlanHeader {
  static constexpr size_t kSize = 8;
  uint8_t flags = 0;  // 0x08: the VNI is valid
  uint32_t vni = 0;
};

// Whether a header's length field may promise more bytes than the buffer
// holds: a capture cut at its snap length, or a first fragment, carries only
// the start of what the header describes. Data-path callers take whole.
enum class Extent { whole, partial };

Parsed<EthernetHeader> parse_ethernet(Bytes frame);
// Checks version, header length and that total length fits the buffer
// (unless partial); the header checksum is reported, not enforced (the
// kernel enforces it).
Parsed<Ipv4Header> parse_ipv4(Bytes packet, Extent extent = Extent::whole);
Parsed<IcmpHeader> parse_icmp(Bytes message);
Parsed<UdpHeader> parse_udp(Bytes datagram, Extent extent = Extent::whole);
// Checks the data offset; options are skipped, not read.
Parsed<TcpHeader> parse_tcp(Bytes segment);
Parsed<VxlanHeader> parse_vxlan(Bytes header);

// The bytes after an IPv4 header, cut to total_length (drops link padding)
// or to the buffer, whichever is shorter.
Bytes ipv4_payload(Bytes packet, const Ipv4Header& header);

// The next-hop MTU an ICMP "fragmentation needed" carries (RFC 1191), in the
// bytes IcmpHeader reads as seq.
inline uint16_t icmp_next_hop_mtu(const IcmpHeader& h) { return h.seq; }

bool ipv4_checksum_ok(Bytes packet, const Ipv4Header& header);

// Decrements the TTL of the IPv4 packet in place and patches the header
// checksum incrementally. Returns false, changing nothing, when the TTL is
// already 0 or 1 (the packet must be dropped).
bool decrement_ttl(MutableBytes packet);

// Builders: each returns a whole, checksummed packet.
std::vector<std::byte> build_icmp_echo(uint8_t type, uint16_t id, uint16_t seq, Bytes payload);
std::vector<std::byte> build_ipv4(const Ipv4Header& header, Bytes payload);
std::vector<std::byte> build_udp(Ipv4 src, uint16_t src_port, Ipv4 dst, uint16_t dst_port,
                                 Bytes payload, uint8_t ttl = 64);
std::vector<std::byte> build_ethernet(Mac dst, Mac src, uint16_t ethertype, Bytes payload);
// A TCP segment (no options) in IPv4, checksummed; header's length and
// checksum are computed.
std::vector<std::byte> build_tcp(Ipv4 src, Ipv4 dst, const TcpHeader& header, Bytes payload, uint8_t ttl = 64);

// ICMP destination unreachable (or another error type) in answer to
// offending_packet: RFC 792 quotes its IP header and first 8 payload bytes.
// next_hop_mtu: what a fragmentation needed says the next link carries.
std::vector<std::byte> build_icmp_error(Ipv4 from, uint8_t type, uint8_t code,
                                        Bytes offending_packet, uint8_t ttl = 64, uint16_t next_hop_mtu = 0);

// Whether an ICMP error may be sent about this packet (RFC 1122 3.2.2): not
// about an ICMP error message, and only for the first fragment.
bool may_answer_with_icmp_error(Bytes packet, const Ipv4Header& header);

inline Bytes as_bytes(const std::vector<std::byte>& v) { return Bytes(v.data(), v.size()); }

}  // namespace ovl::net
