// The udp backend's forwarding core, as Flannel's proxy does it:
//
//   flannel0 --read--> [TunToUdp] --sendto--> PublicIP:8285 of the lease owner
//   flannel0 <-write-- [UdpToTun] <--recv---- any peer
//
// Each inner IPv4 packet travels unchanged as one UDP payload, but for its
// TTL, which is decremented (with the checksum patched) on send and on
// receive. A destination no lease covers is answered with ICMP destination
// unreachable (network), written back into the TUN device, except for ICMP
// and non-first fragments (RFC 792). Garbage is counted and dropped.
//
// The core does no I/O itself: it reads and writes through PacketDevice (the
// TUN side) and DatagramSocket (the UDP side), batch-first, so tests run two
// forwarders over in-memory fakes and the fast data plane can batch.
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <span>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/datapath.h"
#include "core/overlay/offload.h"
#include "core/overlay/route_table.h"

namespace ovl::overlay {

using net::Datagram, net::DatagramSocket, net::GroDatagram, net::GsoDatagram, net::GsoSocket, net::Packet,
    net::PacketDevice, net::VnetDevice;

struct Counters {
  std::atomic<uint64_t> tun_rx_packets{0}, tun_rx_bytes{0};
  std::atomic<uint64_t> udp_tx_packets{0}, udp_tx_bytes{0};
  std::atomic<uint64_t> udp_rx_packets{0}, udp_rx_bytes{0};
  std::atomic<uint64_t> tun_tx_packets{0}, tun_tx_bytes{0};
  std::atomic<uint64_t> icmp_unreachable_sent{0};
  // Drops by reason.
  std::atomic<uint64_t> drop_no_route{0}, drop_ttl{0}, drop_malformed{0}, drop_truncated{0};
  // The fast data plane's offloads. In fast mode tun_rx/tun_tx count frames
  // (a super-packet is one) and udp_tx/udp_rx count datagrams on the wire.
  std::atomic<uint64_t> tun_rx_super_packets{0}, gso_segments{0};      // split on send
  std::atomic<uint64_t> udp_tx_gso_sends{0}, udp_rx_gro_buffers{0};    // several datagrams per syscall slot
  std::atomic<uint64_t> tun_tx_super_packets{0}, coalesced_segments{0};  // coalesced on receive
};

enum class Verdict { forward, unreachable, drop_no_route, drop_ttl, drop_malformed, drop_truncated };

// Decides the fate of a packet read from the TUN device; on forward it has
// decremented the TTL and set *next_hop.
Verdict route_outgoing(net::MutableBytes packet, const RouteTable& routes, Endpoint* next_hop);
// Decides the fate of a UDP payload; on forward it has decremented the TTL.
Verdict accept_incoming(net::MutableBytes packet);

void count_drop(Counters& counters, Verdict verdict);

// Buffers for one direction of one thread, allocated once.
class PacketBatch {
 public:
  PacketBatch(size_t count, size_t packet_size);
  std::span<Packet> packets() { return packets_; }
  std::span<Datagram> datagrams() { return datagrams_; }

 private:
  std::unique_ptr<std::byte[]> storage_;  // left unwritten: pages cost only once used
  std::vector<Packet> packets_;
  std::vector<Datagram> datagrams_;
};

class TunToUdp {
 public:
  // tun_address: flannel0's address, the source of ICMP errors (as Flannel).
  TunToUdp(const SharedRouteTable& routes, net::Ipv4 tun_address, Counters& counters,
           size_t batch_size, size_t packet_size);
  // One batch: read, route, send. Returns packets read.
  size_t pump(PacketDevice& tun, DatagramSocket& udp);

 private:
  void answer_unreachable(PacketDevice& tun, net::Bytes offender);

  const SharedRouteTable& routes_;
  net::Ipv4 tun_address_;
  Counters& counters_;
  PacketBatch in_, out_;
};

class UdpToTun {
 public:
  UdpToTun(Counters& counters, size_t batch_size, size_t packet_size);
  size_t pump(DatagramSocket& udp, PacketDevice& tun);

 private:
  Counters& counters_;
  PacketBatch in_, out_;
};

// ---- The fast data plane (overlayd --dataplane fast) ----
//
//   flannel0 --read [vnet hdr|super-packet]--> [FastTunToUdp: route, TTL,
//       split into MTU-sized packets] --sendmmsg, UDP_SEGMENT--> peers
//   flannel0 <--writev [vnet hdr|coalesced]--- [FastUdpToTun: TTL, coalesce
//       TCP runs] <--recvmmsg, UDP_GRO-- any peer
//
// Same verdicts, counters and wire format as the simple pumps above.

class FastTunToUdp {
 public:
  // batch_size frames of up to 64 KB are read per pump.
  FastTunToUdp(const SharedRouteTable& routes, net::Ipv4 tun_address, Counters& counters, size_t batch_size);
  size_t pump(VnetDevice& tun, GsoSocket& udp);

 private:
  void handle(Packet frame, const RouteTable& table, VnetDevice& tun, GsoSocket& udp);
  void send_plain(net::Bytes packet, Endpoint hop);
  void send_split(net::Bytes packet, const VnetHeader& h, const SplitPlan& plan, Endpoint hop);
  void queue(Endpoint hop, std::span<const Segment> segs, size_t segment_size);
  void answer_unreachable(VnetDevice& tun, net::Bytes offender);
  void flush(GsoSocket& udp);

  const SharedRouteTable& routes_;
  net::Ipv4 tun_address_;
  Counters& counters_;
  PacketBatch in_;
  std::vector<Segment> segments_;
  std::vector<std::byte> headers_;
  std::vector<GsoDatagram> sends_;
  size_t segments_used_ = 0, headers_used_ = 0;
};

class FastUdpToTun {
 public:
  // batch_size receive buffers of buffer_size bytes (64 KB holds a GRO batch);
  // coalesce false when the device cannot take super-packets.
  FastUdpToTun(Counters& counters, size_t batch_size, size_t buffer_size, bool coalesce = true);
  size_t pump(GsoSocket& udp, VnetDevice& tun);

 private:
  void accept(net::MutableBytes datagram, VnetDevice& tun);
  void write_out(VnetDevice& tun);

  Counters& counters_;
  std::unique_ptr<std::byte[]> storage_;  // left unwritten: pages cost only once used
  std::vector<GroDatagram> in_;
  std::vector<net::MutableBytes> datagrams_;
  Coalescer coalescer_;
};

}  // namespace ovl::overlay
