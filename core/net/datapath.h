// The vocabulary of a data path and its two I/O edges, on the ground floor so
// that the forwarding core (core/overlay) and the kernel's TUN devices and
// UDP sockets (core/os) both build on it without knowing each other:
//
//   PacketDevice / VnetDevice     the TUN side: one IPv4 packet per read or
//                                 write, or [virtio_net_hdr | packet] frames
//   DatagramSocket / GsoSocket    the UDP side: one datagram per packet, or
//                                 UDP GSO sends and UDP GRO receives
//
// Interfaces are batch-first: every call moves a span of packets.
#pragma once

#include <cstdint>
#include <span>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"

namespace ovl::net {

// sizeof(struct virtio_net_hdr), which leads every frame of a VnetDevice.
inline constexpr size_t kVnetHeaderSize = 10;
// At most this many datagrams in one UDP GSO send (the kernel's UDP_MAX_SEGMENTS).
inline constexpr size_t kMaxGsoSegments = 64;

// Where a datagram goes or came from.
struct Endpoint {
  Ipv4 ip;
  uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// A packet buffer: len valid bytes at data, room for cap.
struct Packet {
  std::byte* data = nullptr;
  size_t len = 0;
  size_t cap = 0;
  MutableBytes bytes() const { return {data, len}; }
};

struct Datagram {
  Packet packet;
  Endpoint peer;
};

class PacketDevice {
 public:
  virtual ~PacketDevice() = default;
  // Fills up to packets.size() buffers (setting len); returns how many. May
  // return 0 after a short wait so callers can check for shutdown.
  virtual size_t read(std::span<Packet> packets) = 0;
  virtual void write(std::span<const Packet> packets) = 0;
};

class DatagramSocket {
 public:
  virtual ~DatagramSocket() = default;
  virtual size_t recv(std::span<Datagram> datagrams) = 0;  // as PacketDevice::read
  virtual void send(std::span<const Datagram> datagrams) = 0;
};

// One inner IPv4 packet of a split: its bytes are header then payload.
struct Segment {
  Bytes header;   // IPv4 + TCP/UDP header (empty when payload is whole)
  Bytes payload;  // points into the packet that was split
  size_t size() const { return header.size() + payload.size(); }
};

// One write to a TUN device: pieces gathered into [virtio_net_hdr | packet].
struct TunFrame {
  std::span<const Bytes> pieces;
  size_t size() const {
    size_t n = 0;
    for (auto p : pieces) n += p.size();
    return n;
  }
};

// A TUN device opened with IFF_VNET_HDR.
class VnetDevice {
 public:
  virtual ~VnetDevice() = default;
  // Fills frames with [virtio_net_hdr | IPv4 packet], as PacketDevice::read.
  virtual size_t read(std::span<Packet> frames) = 0;
  // Each frame's pieces are gathered into one packet (writev).
  virtual void write(std::span<const TunFrame> frames) = 0;
};

// One UDP send of segments back to back; with UDP GSO the kernel cuts it into
// one datagram per segment. All segments are segment_size long but the last.
struct GsoDatagram {
  Endpoint peer;
  std::span<const Segment> segments;
  uint16_t segment_size = 0;
};

// One received buffer: a datagram, or with UDP GRO several of segment_size
// bytes back to back (segment_size 0: one datagram).
struct GroDatagram {
  Packet packet;
  Endpoint peer;
  uint16_t segment_size = 0;
};

class GsoSocket {
 public:
  virtual ~GsoSocket() = default;
  virtual size_t recv(std::span<GroDatagram> datagrams) = 0;  // as PacketDevice::read
  virtual void send(std::span<const GsoDatagram> datagrams) = 0;
};

}  // namespace ovl::net
