#include "core/overlay/forwarder.h"

#include <algorithm>
#include <array>

#include "core/net/checksum.h"
#include "core/net/packet.h"

namespace ovl::overlay {
namespace {

// Flannel's proxy sends its ICMP errors with TTL 8.
constexpr uint8_t kIcmpErrorTtl = 8;

Verdict check_ipv4(net::Bytes packet, net::Parsed<net::Ipv4Header>* out) {
  *out = net::parse_ipv4(packet);
  if (out->error == net::ParseError::truncated) return Verdict::drop_truncated;
  if (!*out) return Verdict::drop_malformed;
  // A datagram carries exactly one packet: trailing bytes mean a bad sender.
  if (out->header.total_length != packet.size()) return Verdict::drop_malformed;
  if (!net::ipv4_checksum_ok(packet, out->header)) return Verdict::drop_malformed;
  return Verdict::forward;
}

void add(std::atomic<uint64_t>& counter, uint64_t n) { counter.fetch_add(n, std::memory_order_relaxed); }

}  // namespace

Verdict route_outgoing(net::MutableBytes packet, const RouteTable& routes, Endpoint* next_hop) {
  net::Parsed<net::Ipv4Header> ip;
  if (auto v = check_ipv4(packet, &ip); v != Verdict::forward) return v;
  const Route* route = routes.lookup(ip.header.dst);
  if (!route)
    return net::may_answer_with_icmp_error(packet, ip.header) ? Verdict::unreachable : Verdict::drop_no_route;
  if (!net::decrement_ttl(packet)) return Verdict::drop_ttl;
  *next_hop = route->next_hop;
  return Verdict::forward;
}

Verdict accept_incoming(net::MutableBytes packet) {
  net::Parsed<net::Ipv4Header> ip;
  if (auto v = check_ipv4(packet, &ip); v != Verdict::forward) return v;
  if (!net::decrement_ttl(packet)) return Verdict::drop_ttl;
  return Verdict::forward;
}

void count_drop(Counters& c, Verdict verdict) {
  switch (verdict) {
    case Verdict::drop_no_route: add(c.drop_no_route, 1); break;
    case Verdict::drop_ttl: add(c.drop_ttl, 1); break;
    case Verdict::drop_malformed: add(c.drop_malformed, 1); break;
    case Verdict::drop_truncated: add(c.drop_truncated, 1); break;
    case Verdict::unreachable: add(c.drop_no_route, 1); break;
    case Verdict::forward: break;
  }
}

PacketBatch::PacketBatch(size_t count, size_t packet_size)
    : storage_(new std::byte[count * packet_size]), packets_(count), datagrams_(count) {
  for (size_t i = 0; i < count; ++i) {
    packets_[i] = Packet{storage_.get() + i * packet_size, 0, packet_size};
    datagrams_[i].packet = packets_[i];
  }
}

TunToUdp::TunToUdp(const SharedRouteTable& routes, net::Ipv4 tun_address, Counters& counters,
                   size_t batch_size, size_t packet_size)
    : routes_(routes), tun_address_(tun_address), counters_(counters),
      in_(batch_size, packet_size), out_(batch_size, 0) {}

size_t TunToUdp::pump(PacketDevice& tun, DatagramSocket& udp) {
  size_t n = tun.read(in_.packets());
  if (n == 0) return 0;
  auto table = routes_.load();
  auto out = out_.datagrams();
  size_t sending = 0;
  for (size_t i = 0; i < n; ++i) {
    const Packet& p = in_.packets()[i];
    add(counters_.tun_rx_packets, 1);
    add(counters_.tun_rx_bytes, p.len);
    Endpoint hop;
    Verdict v = route_outgoing(p.bytes(), *table, &hop);
    if (v == Verdict::forward) {
      out[sending++] = Datagram{p, hop};
      add(counters_.udp_tx_bytes, p.len);
    } else {
      count_drop(counters_, v);
      if (v == Verdict::unreachable) answer_unreachable(tun, p.bytes());
    }
  }
  if (sending) udp.send(out.first(sending));
  add(counters_.udp_tx_packets, sending);
  return n;
}

void TunToUdp::answer_unreachable(PacketDevice& tun, net::Bytes offender) {
  auto reply = net::build_icmp_error(tun_address_, net::kIcmpUnreachable, net::kIcmpNetUnreachable,
                                     offender, kIcmpErrorTtl);
  const Packet p{reply.data(), reply.size(), reply.size()};
  tun.write(std::span<const Packet>(&p, 1));
  add(counters_.icmp_unreachable_sent, 1);
}

UdpToTun::UdpToTun(Counters& counters, size_t batch_size, size_t packet_size)
    : counters_(counters), in_(batch_size, packet_size), out_(batch_size, 0) {}

size_t UdpToTun::pump(DatagramSocket& udp, PacketDevice& tun) {
  size_t n = udp.recv(in_.datagrams());
  if (n == 0) return 0;
  auto out = out_.packets();
  size_t writing = 0;
  for (size_t i = 0; i < n; ++i) {
    const Packet& p = in_.datagrams()[i].packet;
    add(counters_.udp_rx_packets, 1);
    add(counters_.udp_rx_bytes, p.len);
    Verdict v = accept_incoming(p.bytes());
    if (v != Verdict::forward) {
      count_drop(counters_, v);
      continue;
    }
    out[writing++] = p;
    add(counters_.tun_tx_bytes, p.len);
  }
  if (writing) tun.write(out.first(writing));
  add(counters_.tun_tx_packets, writing);
  return n;
}

// ---- The fast data plane ----

namespace {

// Frames read from the TUN device: a virtio_net_hdr and up to 64 KB.
constexpr size_t kFrameSize = kVnetHeaderSize + kMaxIpv4Packet;
// Room to split a batch: a 64 KB super-packet at the lab's MSS is ~45 segments.
constexpr size_t kSegmentsPerFrame = 64;
constexpr size_t kMaxHeader = 120;  // IPv4 and TCP headers with all options
// The UDP payload of one GSO send, like any datagram, is at most this long.
constexpr size_t kMaxUdpPayload = 65535 - 20 - 8;
constexpr std::array<std::byte, kVnetHeaderSize> kPlainVnet{};

}  // namespace

FastTunToUdp::FastTunToUdp(const SharedRouteTable& routes, net::Ipv4 tun_address, Counters& counters,
                           size_t batch_size)
    : routes_(routes), tun_address_(tun_address), counters_(counters), in_(batch_size, kFrameSize),
      segments_(batch_size * kSegmentsPerFrame), headers_(segments_.size() * kMaxHeader) {
  sends_.reserve(segments_.size());
}

size_t FastTunToUdp::pump(VnetDevice& tun, GsoSocket& udp) {
  size_t n = tun.read(in_.packets());
  if (n == 0) return 0;
  auto table = routes_.load();
  for (size_t i = 0; i < n; ++i) handle(in_.packets()[i], *table, tun, udp);
  flush(udp);
  return n;
}

void FastTunToUdp::handle(Packet frame, const RouteTable& table, VnetDevice& tun, GsoSocket& udp) {
  add(counters_.tun_rx_packets, 1);
  if (frame.len < kVnetHeaderSize) return count_drop(counters_, Verdict::drop_truncated);
  auto h = parse_vnet_header(frame.bytes());
  auto packet = frame.bytes().subspan(kVnetHeaderSize);
  add(counters_.tun_rx_bytes, packet.size());
  bool gso = h.gso_type != kGsoNone;
  if (!gso && complete_checksum(packet, h) != OffloadError::none) return count_drop(counters_, Verdict::drop_malformed);
  Endpoint hop;
  Verdict v = route_outgoing(packet, table, &hop);
  if (v == Verdict::unreachable) answer_unreachable(tun, packet);
  if (v != Verdict::forward) return count_drop(counters_, v);
  SplitPlan plan{OffloadError::none, 1, 0};
  if (gso) plan = plan_split(packet, h);
  if (plan.error != OffloadError::none || plan.segments > segments_.size() ||
      plan.header_size + h.gso_size > kMaxUdpPayload)
    return count_drop(counters_, Verdict::drop_malformed);
  if (segments_used_ + plan.segments > segments_.size() ||
      headers_used_ + plan.segments * plan.header_size > headers_.size())
    flush(udp);
  if (gso)
    send_split(packet, h, plan, hop);
  else
    send_plain(packet, hop);
}

void FastTunToUdp::send_plain(net::Bytes packet, Endpoint hop) {
  add(counters_.udp_tx_packets, 1);
  add(counters_.udp_tx_bytes, packet.size());
  segments_[segments_used_] = Segment{{}, packet};
  queue(hop, std::span<const Segment>(&segments_[segments_used_++], 1), packet.size());
}

void FastTunToUdp::send_split(net::Bytes packet, const VnetHeader& h, const SplitPlan& plan, Endpoint hop) {
  auto out = std::span<Segment>(segments_).subspan(segments_used_, plan.segments);
  gso_split(packet, h, plan, out, std::span<std::byte>(headers_).subspan(headers_used_));
  segments_used_ += plan.segments;
  headers_used_ += plan.segments * plan.header_size;
  queue(hop, out, plan.header_size + h.gso_size);
  add(counters_.tun_rx_super_packets, 1);
  add(counters_.gso_segments, plan.segments);
  add(counters_.udp_tx_packets, plan.segments);
  add(counters_.udp_tx_bytes, packet.size() + (plan.segments - 1) * plan.header_size);
}

// Segments (all segment_size long but the last) join the previous send when
// it goes to the same peer and keeps its GSO shape: every segment full-sized
// but the last, at most 64 of them in one 64 KB datagram. So a train of ACKs
// leaves in one system call, and a 45-segment super-packet's odd segment
// rides with the next super-packet's instead of costing a send of its own.
void FastTunToUdp::queue(Endpoint hop, std::span<const Segment> segs, size_t segment_size) {
  auto limit = [](size_t size) { return std::min(kMaxGsoSegments, kMaxUdpPayload / size); };
  if (!sends_.empty()) {
    auto& last = sends_.back();
    size_t count = last.segments.size();
    bool joins = last.peer == hop && last.segments.data() + count == segs.data() &&
                 last.segments.back().size() == last.segment_size &&
                 (segs.size() == 1 ? segs[0].size() <= last.segment_size : segment_size == last.segment_size);
    size_t cap = limit(last.segment_size), room = joins && count < cap ? cap - count : 0;
    size_t take = std::min(room, segs.size());
    last.segments = std::span<const Segment>(last.segments.data(), count + take);
    segs = segs.subspan(take);
  }
  for (size_t take; !segs.empty(); segs = segs.subspan(take)) {
    take = std::min(limit(segment_size), segs.size());
    sends_.push_back(GsoDatagram{hop, segs.first(take), uint16_t(segment_size)});
  }
}

void FastTunToUdp::flush(GsoSocket& udp) {
  if (!sends_.empty()) {
    udp.send(sends_);
    add(counters_.udp_tx_gso_sends,
        uint64_t(std::count_if(sends_.begin(), sends_.end(), [](const auto& d) { return d.segments.size() > 1; })));
  }
  sends_.clear();
  segments_used_ = headers_used_ = 0;
}

void FastTunToUdp::answer_unreachable(VnetDevice& tun, net::Bytes offender) {
  auto reply = net::build_icmp_error(tun_address_, net::kIcmpUnreachable, net::kIcmpNetUnreachable,
                                     offender, kIcmpErrorTtl);
  const net::Bytes pieces[] = {net::Bytes(kPlainVnet), net::as_bytes(reply)};
  const TunFrame frame{pieces};
  tun.write(std::span<const TunFrame>(&frame, 1));
  add(counters_.icmp_unreachable_sent, 1);
}

FastUdpToTun::FastUdpToTun(Counters& counters, size_t batch_size, size_t buffer_size, bool coalesce)
    : counters_(counters), storage_(new std::byte[batch_size * buffer_size]), in_(batch_size),
      datagrams_(buffer_size / net::Ipv4Header::kMinSize + 1), coalescer_(batch_size * kSegmentsPerFrame, coalesce) {
  for (size_t i = 0; i < batch_size; ++i) in_[i].packet = Packet{storage_.get() + i * buffer_size, 0, buffer_size};
}

size_t FastUdpToTun::pump(GsoSocket& udp, VnetDevice& tun) {
  size_t n = udp.recv(in_);
  if (n == 0) return 0;
  coalescer_.reset();
  for (size_t i = 0; i < n; ++i) {
    const auto& d = in_[i];
    size_t count = split_gro(d.packet.bytes(), d.segment_size, datagrams_);
    // Every datagram that arrived is received, even an empty one (split into
    // nothing) or a runt beyond datagrams_; those are then truncated drops.
    size_t arrived = d.segment_size ? std::max<size_t>(1, (d.packet.len + d.segment_size - 1) / d.segment_size) : 1;
    if (arrived > count) add(counters_.drop_truncated, arrived - count);
    add(counters_.udp_rx_gro_buffers, count > 1);
    add(counters_.udp_rx_packets, arrived);
    add(counters_.udp_rx_bytes, d.packet.len);
    for (size_t k = 0; k < count; ++k) accept(datagrams_[k], tun);
  }
  write_out(tun);
  return n;
}

void FastUdpToTun::accept(net::MutableBytes datagram, VnetDevice& tun) {
  Verdict v = accept_incoming(datagram);
  if (v != Verdict::forward) return count_drop(counters_, v);
  if (coalescer_.add(datagram)) return;
  write_out(tun);
  coalescer_.reset();
  coalescer_.add(datagram);
}

void FastUdpToTun::write_out(VnetDevice& tun) {
  auto frames = coalescer_.finish();
  if (frames.empty()) return;
  tun.write(frames);
  add(counters_.tun_tx_packets, frames.size());
  add(counters_.tun_tx_bytes, coalescer_.bytes());
  add(counters_.tun_tx_super_packets, coalescer_.coalesced_frames());
  add(counters_.coalesced_segments, coalescer_.coalesced_packets());
}

}  // namespace ovl::overlay
