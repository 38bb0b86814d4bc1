// The fast data plane's offload logic, as pure functions over bytes (the
// wireguard-go model: no I/O here, every case unit-tested).
//
//   TUN read   [virtio_net_hdr | IPv4 packet, up to 64 KB when the kernel
//              handed over a TCP (TSO) or UDP (USO) super-packet]
//      complete_checksum  a CHECKSUM_PARTIAL packet gets its L4 checksum
//      gso_split          a super-packet becomes MTU-sized IPv4 packets, each
//                         [header copy | payload slice of the original]
//   UDP read   [pkt][pkt]...[pkt]: a UDP GRO buffer, all segment_size long
//              but the last
//      split_gro          the inner IPv4 packets, one per datagram
//      Coalescer          consecutive TCP segments of one flow become one
//                         super-packet [virtio_net_hdr GSO_TCPV4 | header |
//                         payloads...] that the kernel resegments (or hands
//                         to the receiving socket whole)
//
// On the wire nothing changes: each datagram carries exactly one inner IPv4
// packet, as Flannel's proxy sends it. Nothing here throws; buffers are sized
// at construction, so the hot path allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/datapath.h"

namespace ovl::overlay {

using net::kMaxGsoSegments, net::kVnetHeaderSize, net::Segment, net::TunFrame;

// struct virtio_net_hdr (linux/virtio_net.h), little-endian on the TUN fd;
// its size is kVnetHeaderSize (datapath.h).
inline constexpr uint8_t kVnetNeedsCsum = 1;   // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kGsoNone = 0;         // VIRTIO_NET_HDR_GSO_NONE
inline constexpr uint8_t kGsoTcpv4 = 1;        // VIRTIO_NET_HDR_GSO_TCPV4
inline constexpr uint8_t kGsoTcpv6 = 4;        // VIRTIO_NET_HDR_GSO_TCPV6
inline constexpr uint8_t kGsoUdpL4 = 5;        // VIRTIO_NET_HDR_GSO_UDP_L4 (USO)
inline constexpr uint8_t kGsoEcn = 0x80;       // VIRTIO_NET_HDR_GSO_ECN

// An IPv4 packet, and so a super-packet, is at most this long.
inline constexpr size_t kMaxIpv4Packet = 65535;

struct VnetHeader {
  uint8_t flags = 0;
  uint8_t gso_type = kGsoNone;
  uint16_t hdr_len = 0;
  uint16_t gso_size = 0;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;
  bool operator==(const VnetHeader&) const = default;
};

// b must hold kVnetHeaderSize bytes.
VnetHeader parse_vnet_header(net::Bytes b);
void store_vnet_header(net::MutableBytes b, const VnetHeader& h);

// Whether the TCP or UDP checksum of an IPv4 packet (header of ihl bytes) holds.
bool l4_checksum_ok(net::Bytes packet, size_t ihl);

enum class OffloadError : uint8_t { none, truncated, malformed, unsupported, no_room };

// CHECKSUM_PARTIAL without GSO: the field at csum_start + csum_offset holds
// the pseudo-header sum; sums the rest from csum_start and stores it.
OffloadError complete_checksum(net::MutableBytes packet, const VnetHeader& h);

struct SplitPlan {
  OffloadError error = OffloadError::none;
  size_t segments = 0;
  size_t header_size = 0;  // IPv4 + L4 header, copied into each segment
};

// Checks a GSO super-packet (TCPv4 or UDP_L4 over IPv4) and says how many
// segments and header bytes gso_split will need.
SplitPlan plan_split(net::Bytes packet, const VnetHeader& h);

// Splits packet (a whole IPv4 super-packet, TTL already handled) into
// plan.segments packets of at most ihl + l4 header + gso_size bytes: lengths,
// IP ids (incremented per segment), TCP sequence numbers and flags (FIN and
// PSH only on the last, CWR only on the first) and every checksum are set.
// headers must hold plan.segments * plan.header_size bytes.
void gso_split(net::Bytes packet, const VnetHeader& h, const SplitPlan& plan, std::span<Segment> out,
               net::MutableBytes headers);

// The datagrams of a UDP GRO buffer: segment_size bytes each, the last maybe
// shorter; segment_size 0 means one datagram. Returns how many fitted in out.
size_t split_gro(net::MutableBytes buffer, uint16_t segment_size, std::span<net::MutableBytes> out);

// Coalesces TCP segments, like the kernel's GRO: packets of one flow (IPv4
// without options, same ports, ACK or ACK+PSH, in sequence, same ack number,
// TCP options, TOS, TTL and DF, valid TCP checksum) join the flow's open run
// while all but the last carry the same payload size, nothing follows a PSH
// or a short segment, and the result stays within 64 KB. Other packets are
// written alone with a zeroed header. Flows may interleave; each flow's
// packets keep their order.
class Coalescer {
 public:
  // merge false: every packet alone (a TUN without a vnet header cannot take
  // a super-packet).
  explicit Coalescer(size_t max_packets, bool merge = true);

  // Takes an accepted inner IPv4 packet (valid header, TTL handled), which
  // must stay in place until the frames are written. False when full:
  // write finish()'s frames, reset, then add again.
  bool add(net::MutableBytes packet);
  // Fixes lengths and checksums of the runs and returns the frames, in
  // order. Valid until reset().
  std::span<const TunFrame> finish();
  void reset();

  size_t coalesced_frames() const { return coalesced_frames_; }    // of the last finish()
  size_t coalesced_packets() const { return coalesced_packets_; }  // merged into them
  size_t bytes() const { return bytes_; }                          // IPv4 bytes in the frames

 private:
  struct Flow {
    uint32_t src = 0, dst = 0, ports = 0;
    bool operator==(const Flow&) const = default;
  };
  struct Run {
    Flow flow;
    uint32_t head = 0, tail = 0;  // packet indices, linked through next_
    uint32_t count = 0;
    uint32_t next_seq = 0;
    uint32_t length = 0;          // of the coalesced IPv4 packet
    uint16_t header_size = 0, gso_size = 0;
    bool closed = false;          // after PSH or a short segment
    std::array<std::byte, kVnetHeaderSize> vnet{};
  };

  bool appends(const Run& run, net::Bytes p) const;
  void append(Run& run, uint32_t index, net::Bytes p);
  size_t open_run_of(const Flow& flow) const;
  void open(size_t run);
  void close_flow(const Flow& flow);
  void seal(Run& run);

  size_t max_packets_;
  bool merge_;
  std::vector<net::MutableBytes> packets_;
  std::vector<uint32_t> next_;
  std::vector<Run> runs_;
  std::vector<size_t> open_;        // runs that may still grow, few at a time
  std::vector<net::Bytes> pieces_;
  std::vector<TunFrame> frames_;
  size_t coalesced_frames_ = 0, coalesced_packets_ = 0, bytes_ = 0;
};

}  // namespace ovl::overlay
