#include "core/overlay/offload.h"

#include <algorithm>
#include <cstring>

#include "core/net/checksum.h"
#include "core/net/packet.h"

namespace ovl::overlay {
namespace {

using net::load16;
using net::load32;
using net::load8;
using net::store16;
using net::store32;
using net::store8;

using net::checksum_partial;
using net::kProtoTcp;
using net::kProtoUdp;
using net::pseudo_header_sum;

// Short names for core/net's sizes; core/net has no TCP header.
constexpr size_t kIpv4Header = net::Ipv4Header::kMinSize;
constexpr size_t kUdpHeader = net::UdpHeader::kSize;
constexpr size_t kTcpHeader = 20;
constexpr uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpAck = 0x10, kTcpCwr = 0x80;
constexpr size_t kTcpFlags = 13, kTcpChecksum = 16, kUdpChecksum = 6;
// Open runs at a time: more interleaved flows than this in one batch
// coalesce less, never wrongly.
constexpr size_t kMaxOpenRuns = 16;
constexpr uint32_t kNone = UINT32_MAX;

uint16_t le16(net::Bytes b, size_t at) { return uint16_t(load8(b, at) | load8(b, at + 1) << 8); }
void store_le16(net::MutableBytes b, size_t at, uint16_t v) {
  store8(b, at, uint8_t(v));
  store8(b, at + 1, uint8_t(v >> 8));
}

size_t ihl_of(net::Bytes p) { return size_t(load8(p, 0) & 15) * 4; }
size_t tcp_header_size(net::Bytes p, size_t ihl) { return size_t(load8(p, ihl + 12) >> 4) * 4; }
bool is_fragment(net::Bytes p) { return (load16(p, 6) & 0x3fff) != 0; }

uint16_t finish_l4(uint32_t sum, uint8_t protocol) {
  uint16_t c = net::checksum_finish(sum);
  // UDP sends a computed zero as all ones: zero means "no checksum".
  return protocol == kProtoUdp && c == 0 ? 0xffff : c;
}

}  // namespace

VnetHeader parse_vnet_header(net::Bytes b) {
  return VnetHeader{load8(b, 0), load8(b, 1), le16(b, 2), le16(b, 4), le16(b, 6), le16(b, 8)};
}

void store_vnet_header(net::MutableBytes b, const VnetHeader& h) {
  store8(b, 0, h.flags);
  store8(b, 1, h.gso_type);
  store_le16(b, 2, h.hdr_len);
  store_le16(b, 4, h.gso_size);
  store_le16(b, 6, h.csum_start);
  store_le16(b, 8, h.csum_offset);
}

bool l4_checksum_ok(net::Bytes packet, size_t ihl) {
  uint8_t protocol = load8(packet, 9);
  auto l4 = packet.subspan(ihl);
  if (protocol == kProtoUdp && l4.size() >= kUdpHeader && load16(l4, kUdpChecksum) == 0) return true;
  uint32_t sum = pseudo_header_sum(packet, protocol, uint16_t(l4.size()));
  return net::checksum_finish(checksum_partial(l4, sum)) == 0;
}

OffloadError complete_checksum(net::MutableBytes packet, const VnetHeader& h) {
  if (!(h.flags & kVnetNeedsCsum)) return OffloadError::none;
  size_t at = size_t(h.csum_start) + h.csum_offset;
  if (at + 2 > packet.size() || h.csum_start % 2) return OffloadError::malformed;
  // The field holds the pseudo-header sum: summing over it completes it.
  uint32_t sum = checksum_partial(net::Bytes(packet).subspan(h.csum_start));
  uint8_t protocol = packet.size() >= kIpv4Header ? load8(packet, 9) : 0;
  store16(packet, at, finish_l4(sum, h.csum_offset == kUdpChecksum ? protocol : 0));
  return OffloadError::none;
}

SplitPlan plan_split(net::Bytes p, const VnetHeader& h) {
  uint8_t gso = h.gso_type & uint8_t(~kGsoEcn);
  if (gso != kGsoTcpv4 && gso != kGsoUdpL4) return {OffloadError::unsupported};
  if (p.size() < kIpv4Header) return {OffloadError::truncated};
  size_t ihl = ihl_of(p);
  if (load8(p, 0) >> 4 != 4 || ihl < kIpv4Header || load16(p, 2) != p.size() || is_fragment(p) || h.gso_size == 0)
    return {OffloadError::malformed};
  uint8_t protocol = load8(p, 9);
  size_t l4 = 0;
  if (gso == kGsoTcpv4 && protocol == kProtoTcp && p.size() >= ihl + kTcpHeader) l4 = tcp_header_size(p, ihl);
  if (gso == kGsoUdpL4 && protocol == kProtoUdp) l4 = kUdpHeader;
  if (l4 < kUdpHeader || ihl + l4 > p.size()) return {OffloadError::malformed};
  size_t payload = p.size() - ihl - l4;
  size_t segments = std::max<size_t>(1, (payload + h.gso_size - 1) / h.gso_size);
  return {OffloadError::none, segments, ihl + l4};
}

void gso_split(net::Bytes p, const VnetHeader& h, const SplitPlan& plan, std::span<Segment> out,
               net::MutableBytes headers) {
  size_t ihl = ihl_of(p), hs = plan.header_size, l4_size = hs - ihl, mss = h.gso_size;
  uint8_t protocol = load8(p, 9);
  bool tcp = protocol == kProtoTcp;
  uint16_t id = load16(p, 4);
  uint32_t seq = tcp ? load32(p, ihl + 4) : 0;
  uint8_t flags = tcp ? load8(p, ihl + kTcpFlags) : 0;
  for (size_t i = 0; i < plan.segments; ++i) {
    size_t from = hs + i * mss, len = std::min(mss, p.size() - from);
    auto hdr = headers.subspan(i * hs, hs);
    std::memcpy(hdr.data(), p.data(), hs);
    store16(hdr, 2, uint16_t(hs + len));
    store16(hdr, 4, uint16_t(id + i));
    store16(hdr, 10, 0);
    store16(hdr, 10, net::checksum_finish(checksum_partial(hdr.first(ihl))));
    auto l4 = hdr.subspan(ihl);
    size_t checksum_at = tcp ? kTcpChecksum : kUdpChecksum;
    if (tcp) {
      uint8_t f = flags;
      if (i + 1 < plan.segments) f &= uint8_t(~(kTcpFin | kTcpPsh));
      if (i > 0) f &= uint8_t(~kTcpCwr);
      store32(l4, 4, uint32_t(seq + i * mss));
      store8(l4, kTcpFlags, f);
    } else {
      store16(l4, 4, uint16_t(kUdpHeader + len));
    }
    store16(l4, checksum_at, 0);
    auto payload = p.subspan(from, len);
    uint32_t pseudo = pseudo_header_sum(p, protocol, uint16_t(l4_size + len));
    uint32_t sum = checksum_partial(payload, checksum_partial(l4, pseudo));
    store16(l4, checksum_at, finish_l4(sum, protocol));
    out[i] = Segment{hdr, payload};
  }
}

size_t split_gro(net::MutableBytes buffer, uint16_t segment_size, std::span<net::MutableBytes> out) {
  if (out.empty() || buffer.empty()) return 0;
  if (segment_size == 0 || segment_size >= buffer.size()) {
    out[0] = buffer;
    return 1;
  }
  size_t n = 0;
  for (size_t at = 0; at < buffer.size() && n < out.size(); at += segment_size)
    out[n++] = buffer.subspan(at, std::min<size_t>(segment_size, buffer.size() - at));
  return n;
}

// ---- Coalescer ----

namespace {

// A TCP segment that may join a run: IPv4 without options or fragments, ACK
// or ACK+PSH only, with payload. Anything else (SYN, FIN, RST, URG, ECE, CWR,
// pure ACKs) is written alone, as the kernel's GRO flushes on it.
bool coalescable(net::Bytes p) {
  if (p.size() < kIpv4Header + kTcpHeader || load8(p, 0) != 0x45 || load8(p, 9) != kProtoTcp || is_fragment(p))
    return false;
  size_t th = tcp_header_size(p, kIpv4Header);
  if (th < kTcpHeader || kIpv4Header + th >= p.size()) return false;
  uint8_t flags = load8(p, kIpv4Header + kTcpFlags);
  return flags == kTcpAck || flags == (kTcpAck | kTcpPsh);
}

bool has_ports(net::Bytes p) {
  return p.size() >= kIpv4Header + 4 && load8(p, 9) == kProtoTcp && !is_fragment(p) && ihl_of(p) + 4 <= p.size();
}

}  // namespace

Coalescer::Coalescer(size_t max_packets, bool merge) : max_packets_(max_packets), merge_(merge) {
  packets_.reserve(max_packets);
  next_.reserve(max_packets);
  runs_.reserve(max_packets);
  open_.reserve(kMaxOpenRuns);
  pieces_.reserve(2 * max_packets);  // per run its header, per packet a piece
  frames_.reserve(max_packets);
}

void Coalescer::reset() {
  packets_.clear();
  next_.clear();
  runs_.clear();
  open_.clear();
  pieces_.clear();
  frames_.clear();
  coalesced_frames_ = coalesced_packets_ = bytes_ = 0;
}

size_t Coalescer::open_run_of(const Flow& flow) const {
  for (size_t i = 0; i < open_.size(); ++i)
    if (runs_[open_[i]].flow == flow) return i;
  return SIZE_MAX;
}

void Coalescer::open(size_t run) {
  if (open_.size() == kMaxOpenRuns) open_.erase(open_.begin());  // the oldest stays as it is
  open_.push_back(run);
}

void Coalescer::close_flow(const Flow& flow) {
  if (size_t i = open_run_of(flow); i != SIZE_MAX) open_.erase(open_.begin() + ptrdiff_t(i));
}

// The kernel's conditions (tcp_gro_receive, inet_gro_receive), checked
// against the run's first packet, whose header the super-packet keeps.
bool Coalescer::appends(const Run& run, net::Bytes p) const {
  net::Bytes head = packets_[run.head];
  size_t hs = kIpv4Header + tcp_header_size(p, kIpv4Header), payload = p.size() - hs;
  if (hs != run.header_size || payload > run.gso_size || run.count >= kMaxGsoSegments ||
      run.length + payload > kMaxIpv4Packet)
    return false;
  if (load32(p, kIpv4Header + 4) != run.next_seq || load32(p, kIpv4Header + 8) != load32(head, kIpv4Header + 8))
    return false;
  if (load8(p, 1) != load8(head, 1) || load8(p, 8) != load8(head, 8) || (load8(p, 6) >> 5) != (load8(head, 6) >> 5))
    return false;
  size_t options = kIpv4Header + kTcpHeader;
  if (!std::equal(p.begin() + ptrdiff_t(options), p.begin() + ptrdiff_t(hs), head.begin() + ptrdiff_t(options)))
    return false;
  // The kernel will not check what we mark CHECKSUM_PARTIAL: check it here.
  return l4_checksum_ok(p, kIpv4Header) && (run.count > 1 || l4_checksum_ok(head, kIpv4Header));
}

void Coalescer::append(Run& run, uint32_t index, net::Bytes p) {
  size_t payload = p.size() - run.header_size;
  next_[run.tail] = index;
  run.tail = index;
  ++run.count;
  run.next_seq += uint32_t(payload);
  run.length += uint32_t(payload);
  run.closed = payload < run.gso_size || (load8(p, kIpv4Header + kTcpFlags) & kTcpPsh);
}

bool Coalescer::add(net::MutableBytes packet) {
  if (packets_.size() == max_packets_) return false;
  auto index = uint32_t(packets_.size());
  packets_.push_back(packet);
  next_.push_back(kNone);
  net::Bytes p = packet;
  Flow flow;
  if (has_ports(p)) flow = Flow{load32(p, 12), load32(p, 16), load32(p, ihl_of(p))};
  bool candidate = merge_ && coalescable(p);
  if (size_t i = has_ports(p) ? open_run_of(flow) : SIZE_MAX; i != SIZE_MAX) {
    Run& run = runs_[open_[i]];
    if (candidate && appends(run, p)) {
      append(run, index, p);
      if (run.closed) open_.erase(open_.begin() + ptrdiff_t(i));
      return true;
    }
    open_.erase(open_.begin() + ptrdiff_t(i));  // later packets of the flow must follow this one
  }
  Run run;
  run.flow = flow;
  run.head = run.tail = index;
  run.count = 1;
  run.length = uint32_t(p.size());
  if (candidate) {
    run.header_size = uint16_t(kIpv4Header + tcp_header_size(p, kIpv4Header));
    run.gso_size = uint16_t(p.size() - run.header_size);
    run.next_seq = load32(p, kIpv4Header + 4) + run.gso_size;
    run.closed = load8(p, kIpv4Header + kTcpFlags) & kTcpPsh;
  }
  runs_.push_back(run);
  if (candidate && !run.closed) open(runs_.size() - 1);
  return true;
}

// A run of several segments becomes one GSO_TCPV4 packet: the first
// segment's headers with the total length, a fresh IP checksum, the last
// segment's PSH, and the pseudo-header sum where the kernel completes the
// TCP checksum (CHECKSUM_PARTIAL).
void Coalescer::seal(Run& run) {
  auto head = packets_[run.head];
  pieces_.push_back(net::Bytes(run.vnet));
  pieces_.push_back(head);
  if (run.count == 1) return;  // a zeroed header: a plain packet
  for (uint32_t i = next_[run.head]; i != kNone; i = next_[i]) pieces_.push_back(net::Bytes(packets_[i]).subspan(run.header_size));
  store16(head, 2, uint16_t(run.length));
  store8(head, kIpv4Header + kTcpFlags, load8(head, kIpv4Header + kTcpFlags) | (load8(packets_[run.tail], kIpv4Header + kTcpFlags) & kTcpPsh));
  store16(head, 10, 0);
  store16(head, 10, net::checksum_finish(checksum_partial(net::Bytes(head).first(kIpv4Header))));
  uint32_t pseudo = pseudo_header_sum(head, kProtoTcp, uint16_t(run.length - kIpv4Header));
  store16(head, kIpv4Header + kTcpChecksum, net::checksum_fold(pseudo));
  store_vnet_header(run.vnet, VnetHeader{kVnetNeedsCsum, kGsoTcpv4, run.header_size, run.gso_size,
                                         uint16_t(kIpv4Header), uint16_t(kTcpChecksum)});
  ++coalesced_frames_;
  coalesced_packets_ += run.count;
}

std::span<const TunFrame> Coalescer::finish() {
  pieces_.clear();
  frames_.clear();
  coalesced_frames_ = coalesced_packets_ = bytes_ = 0;
  for (auto& run : runs_) {
    size_t first = pieces_.size();
    seal(run);
    bytes_ += run.length;
    frames_.push_back(TunFrame{std::span<const net::Bytes>(pieces_).subspan(first, pieces_.size() - first)});
  }
  return frames_;
}

}  // namespace ovl::overlay
