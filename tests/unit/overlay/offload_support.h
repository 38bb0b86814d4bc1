// Test packets for the offload tests: TCP/UDP over IPv4 with checksums made
// by the plain reference sum (tests/support/reference_checksum.h), and a
// payload that is a function of the stream offset, so split and coalesced
// data can be checked byte for byte.
#pragma once

#include <cstdint>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/checksum.h"
#include "core/net/packet.h"
#include "core/overlay/offload.h"
#include "tests/support/reference_checksum.h"

namespace ovl::overlay::test {

using Buf = std::vector<std::byte>;
using net::kProtoTcp;
using net::kProtoUdp;
using ovl::test::reference_sum;

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10, kCwr = 0x80;

struct Tcp {
  uint32_t src = 0x64600102, dst = 0x64600203;  // 100.96.1.2 -> 100.96.2.3
  uint16_t sport = 40000, dport = 5201;
  uint32_t seq = 1000, ack = 77;
  uint8_t flags = kAck;
  uint8_t ttl = 62, tos = 0, protocol = kProtoTcp;
  uint16_t id = 100;
  std::vector<uint8_t> ip_options, l4_options;
  size_t payload = 0;
};

inline std::byte stream_byte(uint32_t offset) { return std::byte(uint8_t(offset * 7 + (offset >> 8))); }

inline uint16_t reference_checksum(net::Bytes b, uint32_t sum = 0) {
  return net::checksum_finish(reference_sum(b, sum));
}

inline uint32_t reference_pseudo(net::Bytes ip, uint8_t protocol, size_t l4_len) {
  return reference_sum(ip.subspan(12, 8), protocol + uint32_t(l4_len));
}

// A whole packet; l4_checksum false leaves the L4 checksum field zero.
inline Buf build(const Tcp& t, bool l4_checksum = true) {
  size_t ihl = 20 + t.ip_options.size();
  bool tcp = t.protocol == kProtoTcp;
  size_t l4h = (tcp ? 20 : 8) + t.l4_options.size();
  Buf p(ihl + l4h + t.payload);
  net::MutableBytes b(p);
  net::store8(b, 0, uint8_t(0x40 | ihl / 4));
  net::store8(b, 1, t.tos);
  net::store16(b, 2, uint16_t(p.size()));
  net::store16(b, 4, t.id);
  net::store16(b, 6, 0x4000);  // DF
  net::store8(b, 8, t.ttl);
  net::store8(b, 9, t.protocol);
  net::store32(b, 12, t.src);
  net::store32(b, 16, t.dst);
  for (size_t i = 0; i < t.ip_options.size(); ++i) net::store8(b, 20 + i, t.ip_options[i]);
  net::store16(b, 10, reference_checksum(b.first(ihl)));
  auto l4 = b.subspan(ihl);
  net::store16(l4, 0, t.sport);
  net::store16(l4, 2, t.dport);
  if (tcp) {
    net::store32(l4, 4, t.seq);
    net::store32(l4, 8, t.ack);
    net::store8(l4, 12, uint8_t(l4h / 4 << 4));
    net::store8(l4, 13, t.flags);
    net::store16(l4, 14, 502);
  } else {
    net::store16(l4, 4, uint16_t(l4.size()));
  }
  for (size_t i = 0; i < t.l4_options.size(); ++i) net::store8(l4, (tcp ? 20 : 8) + i, t.l4_options[i]);
  for (size_t i = 0; i < t.payload; ++i) b[ihl + l4h + i] = stream_byte(uint32_t(t.seq + i));
  if (l4_checksum)
    net::store16(l4, tcp ? 16 : 6, reference_checksum(l4, reference_pseudo(b, t.protocol, l4.size())));
  return p;
}

inline size_t ihl(net::Bytes p) { return size_t(net::load8(p, 0) & 15) * 4; }

// Both checksums, by the reference implementation.
inline bool checksums_valid(net::Bytes p) {
  size_t h = ihl(p);
  if (reference_checksum(p.first(h)) != 0) return false;
  auto l4 = p.subspan(h);
  return reference_checksum(l4, reference_pseudo(p, net::load8(p, 9), l4.size())) == 0;
}

inline Buf concat(std::span<const net::Bytes> pieces) {
  Buf out;
  for (auto piece : pieces) out.insert(out.end(), piece.begin(), piece.end());
  return out;
}

inline Buf bytes_of(const Segment& s) {
  Buf out(s.header.begin(), s.header.end());
  out.insert(out.end(), s.payload.begin(), s.payload.end());
  return out;
}

// Timestamps, as Linux TCP sends them: NOP NOP TS.
inline std::vector<uint8_t> timestamps(uint32_t tsval) {
  return {1, 1, 8, 10, uint8_t(tsval >> 24), uint8_t(tsval >> 16), uint8_t(tsval >> 8), uint8_t(tsval), 0, 0, 0, 9};
}

}  // namespace ovl::overlay::test
