// The offload functions without a kernel: virtio_net_hdr, checksums, GSO
// split, GRO split and the coalescer, checked against a plain reference
// checksum and against each other (a coalesced run splits back into the
// packets it was made of).
#include "core/overlay/offload.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/unit/overlay/offload_support.h"

namespace ovl::overlay {
namespace {

using namespace test;

TEST(VnetHeader, IsTenLittleEndianBytes) {
  VnetHeader h{kVnetNeedsCsum, kGsoTcpv4, 0x0134, 0x0598, 0x0014, 0x0010};
  Buf b(kVnetHeaderSize);
  store_vnet_header(b, h);
  EXPECT_EQ(b, (Buf{std::byte(1), std::byte(1), std::byte(0x34), std::byte(0x01), std::byte(0x98), std::byte(0x05),
                    std::byte(0x14), std::byte(0), std::byte(0x10), std::byte(0)}));
  EXPECT_EQ(parse_vnet_header(b), h);
}

// What the kernel hands over with CHECKSUM_PARTIAL: the pseudo-header sum in
// the checksum field.
Buf partial(const Tcp& t) {
  auto p = build(t, false);
  size_t h = ihl(p), at = h + (t.protocol == kProtoTcp ? 16 : 6);
  uint32_t sum = reference_pseudo(p, t.protocol, p.size() - h);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  net::store16(p, at, uint16_t(sum));
  return p;
}

TEST(CompleteChecksum, FinishesTcpAndUdp) {
  for (uint8_t proto : {kProtoTcp, kProtoUdp}) {
    Tcp t;
    t.protocol = proto;
    t.payload = 999;
    auto p = partial(t);
    EXPECT_FALSE(checksums_valid(p));
    VnetHeader h{kVnetNeedsCsum, kGsoNone, 0, 0, 20, uint16_t(proto == kProtoTcp ? 16 : 6)};
    EXPECT_EQ(complete_checksum(p, h), OffloadError::none);
    EXPECT_TRUE(checksums_valid(p)) << int(proto);
    EXPECT_EQ(p, build(t));
  }
}

TEST(CompleteChecksum, LeavesOtherPacketsAndRejectsOffsetsOutside) {
  Tcp t;
  t.payload = 10;
  auto p = build(t);
  EXPECT_EQ(complete_checksum(p, VnetHeader{}), OffloadError::none);
  EXPECT_EQ(p, build(t));
  EXPECT_EQ(complete_checksum(p, VnetHeader{kVnetNeedsCsum, 0, 0, 0, 20, uint16_t(p.size())}), OffloadError::malformed);
}

TEST(LayerFourChecksum, ZeroUdpChecksumMeansNone) {
  Tcp t;
  t.protocol = kProtoUdp;
  t.payload = 5;
  auto p = build(t, false);
  EXPECT_TRUE(l4_checksum_ok(p, 20));
  EXPECT_TRUE(l4_checksum_ok(build(t), 20));
  auto bad = build(t);
  bad.back() ^= std::byte(1);
  EXPECT_FALSE(l4_checksum_ok(bad, 20));
}

struct Split {
  SplitPlan plan;
  std::vector<Segment> segments;
  Buf headers;
};

Split split(const Buf& super, const VnetHeader& h) {
  Split s;
  s.plan = plan_split(super, h);
  if (s.plan.error != OffloadError::none) return s;
  s.segments.resize(s.plan.segments);
  s.headers.resize(s.plan.segments * s.plan.header_size);
  gso_split(super, h, s.plan, s.segments, s.headers);
  return s;
}

VnetHeader tso(const Buf& p, uint16_t mss) {
  size_t h = ihl(p);
  return VnetHeader{kVnetNeedsCsum, kGsoTcpv4, uint16_t(h + (size_t(net::load8(p, h + 12)) >> 4) * 4), mss,
                    uint16_t(h), 16};
}

TEST(GsoSplit, TcpSuperPacketBecomesMtuSizedSegmentsWithValidHeaders) {
  Tcp t;
  t.l4_options = timestamps(42);
  t.payload = 10000;
  t.flags = kAck | kPsh | kFin | kCwr;
  auto super = partial(t);
  auto s = split(super, tso(super, 1420));
  ASSERT_EQ(s.plan.error, OffloadError::none);
  ASSERT_EQ(s.segments.size(), 8u);  // 7 x 1420 + 60
  Buf stream;
  for (size_t i = 0; i < s.segments.size(); ++i) {
    auto seg = bytes_of(s.segments[i]);
    bool last = i + 1 == s.segments.size();
    EXPECT_EQ(seg.size(), 20 + 32 + (last ? 60u : 1420u)) << i;
    EXPECT_EQ(net::load16(seg, 2), seg.size());
    EXPECT_EQ(net::load16(seg, 4), 100 + i);
    EXPECT_EQ(net::load8(seg, 8), 62);  // TTL as handed in
    EXPECT_EQ(net::load32(seg, 24), 1000 + i * 1420);
    uint8_t flags = net::load8(seg, 33);
    EXPECT_EQ(bool(flags & (kPsh | kFin)), last) << i;
    EXPECT_EQ(bool(flags & kCwr), i == 0) << i;
    EXPECT_TRUE(checksums_valid(seg)) << i;
    EXPECT_TRUE(std::equal(seg.begin() + 40, seg.begin() + 52, super.begin() + 40));  // options kept
    stream.insert(stream.end(), seg.begin() + 52, seg.end());
  }
  EXPECT_TRUE(std::equal(stream.begin(), stream.end(), super.begin() + 52));
}

TEST(GsoSplit, ExactMultipleHasNoShortTail) {
  Tcp t;
  t.payload = 3 * 1432;
  auto super = partial(t);
  auto s = split(super, tso(super, 1432));
  ASSERT_EQ(s.segments.size(), 3u);
  for (auto& seg : s.segments) EXPECT_EQ(seg.size(), 1472u);
}

TEST(GsoSplit, IpOptionsAreCopiedIntoEverySegment) {
  Tcp t;
  t.ip_options = {0x94, 0x04, 0, 0};  // router alert
  t.payload = 3000;
  auto super = partial(t);
  auto s = split(super, tso(super, 1400));
  ASSERT_EQ(s.segments.size(), 3u);
  for (auto& segment : s.segments) {
    auto seg = bytes_of(segment);
    EXPECT_EQ(ihl(seg), 24u);
    EXPECT_EQ(net::load8(seg, 20), 0x94);
    EXPECT_TRUE(checksums_valid(seg));
  }
}

TEST(GsoSplit, UdpSuperPacketGetsOneUdpHeaderPerSegment) {
  Tcp t;
  t.protocol = kProtoUdp;
  t.payload = 4000;
  auto super = partial(t);
  auto s = split(super, VnetHeader{kVnetNeedsCsum, kGsoUdpL4, 28, 1400, 20, 6});
  ASSERT_EQ(s.segments.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    auto seg = bytes_of(s.segments[i]);
    EXPECT_EQ(net::load16(seg, 24), seg.size() - 20);
    EXPECT_EQ(net::load16(seg, 4), 100 + i);
    EXPECT_TRUE(checksums_valid(seg)) << i;
  }
  EXPECT_EQ(s.segments[2].payload.size(), 1200u);
}

TEST(GsoSplit, RefusesWhatItCannotSplit) {
  Tcp t;
  t.payload = 3000;
  auto p = partial(t);
  auto h = tso(p, 1400);
  EXPECT_EQ(plan_split(p, VnetHeader{kVnetNeedsCsum, kGsoTcpv6, 0, 1400, 20, 16}).error, OffloadError::unsupported);
  auto udp_as_tcp = h;
  udp_as_tcp.gso_type = kGsoUdpL4;
  EXPECT_EQ(plan_split(p, udp_as_tcp).error, OffloadError::malformed);
  auto zero = h;
  zero.gso_size = 0;
  EXPECT_EQ(plan_split(p, zero).error, OffloadError::malformed);
  auto fragment = p;
  net::store16(fragment, 6, 0x2000);
  EXPECT_EQ(plan_split(fragment, h).error, OffloadError::malformed);
  EXPECT_EQ(plan_split(net::Bytes(p).first(10), h).error, OffloadError::truncated);
  EXPECT_EQ(plan_split(net::Bytes(p).first(1000), h).error, OffloadError::malformed);  // total length
  auto ecn = h;
  ecn.gso_type |= kGsoEcn;
  EXPECT_EQ(plan_split(p, ecn).segments, 3u);
}

TEST(GroSplit, CutsAtTheSegmentSizeWithAShortLast) {
  Buf b(3000);
  std::vector<net::MutableBytes> out(8);
  ASSERT_EQ(split_gro(b, 1400, out), 3u);
  EXPECT_EQ(out[0].size(), 1400u);
  EXPECT_EQ(out[2].size(), 200u);
  EXPECT_EQ(out[1].data(), b.data() + 1400);
  EXPECT_EQ(split_gro(b, 0, out), 1u);
  EXPECT_EQ(out[0].size(), 3000u);
  EXPECT_EQ(split_gro(b, 100, out), 8u);  // as many as fit
}

// ---- Coalescer ----

// Segments of one stream, mss bytes each, as a sender's GSO would cut them.
std::vector<Buf> stream(Tcp t, size_t count, size_t mss) {
  std::vector<Buf> out;
  for (size_t i = 0; i < count; ++i) {
    t.payload = mss;
    out.push_back(build(t));
    t.seq += uint32_t(mss);
    ++t.id;
  }
  return out;
}

struct Coalesced {
  std::vector<Buf> frames;  // [vnet | packet], gathered
  size_t super_frames = 0, merged = 0;
};

Coalesced coalesce(std::vector<Buf>& packets, size_t capacity = 256) {
  Coalescer c(capacity);
  for (auto& p : packets) EXPECT_TRUE(c.add(p));
  Coalesced out;
  for (const auto& f : c.finish()) out.frames.push_back(concat(f.pieces));
  out.super_frames = c.coalesced_frames();
  out.merged = c.coalesced_packets();
  return out;
}

VnetHeader vnet_of(const Buf& frame) { return parse_vnet_header(frame); }
Buf packet_of(const Buf& frame) { return Buf(frame.begin() + kVnetHeaderSize, frame.end()); }

// What the kernel does with a coalesced frame: complete the checksum, then
// (if it must) segment it again.
std::vector<Buf> resegment(const Buf& frame) {
  auto h = vnet_of(frame);
  auto p = packet_of(frame);
  if (h.gso_type == kGsoNone) return {p};
  auto s = split(p, h);
  std::vector<Buf> out;
  for (auto& seg : s.segments) out.push_back(bytes_of(seg));
  return out;
}

TEST(Coalescer, OneFlowInSequenceBecomesOneSuperPacket) {
  Tcp t;
  t.l4_options = timestamps(9);
  auto packets = stream(t, 5, 1420);
  auto originals = packets;
  auto c = coalesce(packets);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.super_frames, 1u);
  EXPECT_EQ(c.merged, 5u);
  auto h = vnet_of(c.frames[0]);
  EXPECT_EQ(h, (VnetHeader{kVnetNeedsCsum, kGsoTcpv4, 52, 1420, 20, 16}));
  auto p = packet_of(c.frames[0]);
  EXPECT_EQ(p.size(), 52u + 5 * 1420);
  EXPECT_EQ(net::load16(p, 2), p.size());
  EXPECT_EQ(reference_checksum(net::Bytes(p).first(20)), 0);
  // The kernel completes CHECKSUM_PARTIAL from the pseudo-header sum we left.
  EXPECT_EQ(complete_checksum(p, h), OffloadError::none);
  EXPECT_TRUE(checksums_valid(p));
  // And resegmenting gives back the very packets (IP ids continue from the first).
  EXPECT_EQ(resegment(c.frames[0]), originals);
}

TEST(Coalescer, InterleavedFlowsCoalesceSeparatelyInOrder) {
  Tcp a, b;
  b.sport = 40001;
  b.seq = 5000;
  auto sa = stream(a, 4, 1000), sb = stream(b, 4, 1000);
  std::vector<Buf> mixed;
  for (size_t i = 0; i < 4; ++i) {
    mixed.push_back(sa[i]);
    mixed.push_back(sb[i]);
  }
  auto c = coalesce(mixed);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(resegment(c.frames[0]), sa);
  EXPECT_EQ(resegment(c.frames[1]), sb);
}

TEST(Coalescer, SmallAndOtherPacketsGoAloneWithAZeroedHeaderAndKeepFlowOrder) {
  Tcp t;
  auto s = stream(t, 4, 1000);
  Tcp pure_ack = t;
  pure_ack.seq = 2000;
  Tcp icmpish = t;
  icmpish.protocol = kProtoUdp;
  icmpish.payload = 30;
  std::vector<Buf> mixed = {s[0], s[1], build(pure_ack), build(icmpish), s[2], s[3]};
  auto originals = mixed;
  auto c = coalesce(mixed);
  ASSERT_EQ(c.frames.size(), 4u);
  EXPECT_EQ(resegment(c.frames[0]), (std::vector<Buf>{originals[0], originals[1]}));
  EXPECT_EQ(vnet_of(c.frames[1]), VnetHeader{});
  EXPECT_EQ(packet_of(c.frames[1]), originals[2]);
  EXPECT_EQ(packet_of(c.frames[2]), originals[3]);
  EXPECT_EQ(resegment(c.frames[3]), (std::vector<Buf>{originals[4], originals[5]}));
}

TEST(Coalescer, PshEndsARunAndIsKeptOnTheSuperPacket) {
  Tcp t;
  auto s = stream(t, 4, 1000);
  Tcp psh = t;
  psh.seq += 1000;
  psh.id += 1;
  psh.payload = 1000;
  psh.flags = kAck | kPsh;
  s[1] = build(psh);
  auto originals = s;
  auto c = coalesce(s);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(net::load8(packet_of(c.frames[0]), 33), kAck | kPsh);
  EXPECT_EQ(resegment(c.frames[0]), (std::vector<Buf>{originals[0], originals[1]}));
  EXPECT_EQ(resegment(c.frames[1]), (std::vector<Buf>{originals[2], originals[3]}));
}

TEST(Coalescer, FinIsNeverMergedAndFollowsTheRun) {
  Tcp t;
  auto s = stream(t, 2, 1000);
  Tcp fin = t;
  fin.seq += 2000;
  fin.id += 2;
  fin.payload = 100;
  fin.flags = kAck | kFin;
  s.push_back(build(fin));
  auto originals = s;
  auto c = coalesce(s);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(resegment(c.frames[0]), (std::vector<Buf>{originals[0], originals[1]}));
  EXPECT_EQ(packet_of(c.frames[1]), originals[2]);
}

TEST(Coalescer, AShortSegmentIsLastOfItsRun) {
  Tcp t;
  std::vector<Buf> s;
  for (size_t len : {1000, 1000, 400, 1000}) {
    t.payload = len;
    s.push_back(build(t));
    t.seq += uint32_t(len);
    ++t.id;
  }
  auto originals = s;
  auto c = coalesce(s);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(resegment(c.frames[0]), (std::vector<Buf>{originals[0], originals[1], originals[2]}));
  EXPECT_EQ(packet_of(c.frames[1]), originals[3]);
}

TEST(Coalescer, RefusesGapsAndMismatchedHeaders) {
  Tcp t;
  t.payload = 1000;
  auto first = build(t);
  auto next = [&](auto change) {
    Tcp u = t;
    u.seq += 1000;
    change(u);
    return build(u);
  };
  std::vector<Buf> cases = {
      next([](Tcp& u) { u.seq += 1; }),                         // gap
      next([](Tcp& u) { u.ttl -= 1; }),                         // TTL
      next([](Tcp& u) { u.tos = 0x02; }),                       // ECN bits
      next([](Tcp& u) { u.ack += 1; }),                         // ack number
      next([](Tcp& u) { u.l4_options = timestamps(1); }),       // options
      next([](Tcp& u) { u.payload = 1001; }),                   // longer than the first
      next([](Tcp& u) { u.flags = kAck | kCwr; }),              // flags
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<Buf> pair = {first, cases[i]};
    auto c = coalesce(pair);
    EXPECT_EQ(c.frames.size(), 2u) << "case " << i;
    EXPECT_EQ(c.super_frames, 0u) << "case " << i;
  }
}

TEST(Coalescer, IpOptionsAndBadChecksumsAreNotCoalesced) {
  Tcp t;
  t.ip_options = {0x94, 0x04, 0, 0};
  auto with_options = stream(t, 3, 1000);
  EXPECT_EQ(coalesce(with_options).frames.size(), 3u);
  Tcp u;
  auto s = stream(u, 3, 1000);
  s[1][100] ^= std::byte(0xff);  // corrupt payload: the TCP checksum no longer holds
  auto c = coalesce(s);
  EXPECT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.super_frames, 0u);
}

TEST(Coalescer, StaysWithin64KilobytesAndItsCapacity) {
  Tcp t;
  auto s = stream(t, 60, 1420);
  auto c = coalesce(s);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_LE(packet_of(c.frames[0]).size(), kMaxIpv4Packet);
  EXPECT_EQ(c.merged, 60u);
  Coalescer small(2);
  auto two = stream(t, 3, 100);
  EXPECT_TRUE(small.add(two[0]));
  EXPECT_TRUE(small.add(two[1]));
  EXPECT_FALSE(small.add(two[2]));
  EXPECT_EQ(small.finish().size(), 1u);
  small.reset();
  EXPECT_TRUE(small.add(two[2]));
}

TEST(Coalescer, WithoutMergingEveryPacketGoesAloneAndUntouched) {
  Tcp t;
  auto s = stream(t, 4, 1000);
  auto originals = s;
  Coalescer c(16, false);
  for (auto& p : s) EXPECT_TRUE(c.add(p));
  auto frames = c.finish();
  ASSERT_EQ(frames.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(packet_of(concat(frames[i].pieces)), originals[i]);
  EXPECT_EQ(c.coalesced_frames(), 0u);
}

TEST(Coalescer, ManyInterleavedFlowsNeverMisorder) {
  std::vector<std::vector<Buf>> flows;
  for (uint16_t f = 0; f < 20; ++f) {
    Tcp t;
    t.sport = uint16_t(41000 + f);
    flows.push_back(stream(t, 3, 500));
  }
  std::vector<Buf> mixed;
  for (size_t i = 0; i < 3; ++i)
    for (auto& f : flows) mixed.push_back(f[i]);
  auto c = coalesce(mixed);
  std::map<uint16_t, std::vector<Buf>> seen;
  for (auto& frame : c.frames)
    for (auto& p : resegment(frame)) seen[net::load16(p, 20)].push_back(p);
  ASSERT_EQ(seen.size(), 20u);
  for (uint16_t f = 0; f < 20; ++f) EXPECT_EQ(seen[uint16_t(41000 + f)], flows[f]) << f;
}

}  // namespace
}  // namespace ovl::overlay
