// Packet capture with AF_PACKET sockets: one per interface, opened inside the
// interface's namespace before the probe leaves, with kernel timestamps and
// the packet's direction. A classic BPF filter keeps only ICMP, fragments,
// and TCP and UDP on the overlay's port and the probe's, so background
// traffic (etcd, ARP) cannot drown the probe. Capture is bounded in time and
// in packets.
//
// Each socket has a TPACKET_V2 ring rather than being read with recvmsg:
// the kernel stamps ring frames as it taps the packet, whereas recvmsg's
// timestamp falls back to the time of the read whenever the kernel's
// timestamping had not yet switched on for that skb (it is enabled lazily,
// from a work queue, after the first socket asks) — which misorders the
// first hops of a probe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/os/fd.h"
#include "core/trace/sighting.h"

namespace ovl::os {

struct CaptureTarget {
  std::string netns;  // named namespace
  std::string host;   // lab host name, for the capture point
};

class Capturer {
 public:
  // Opens a socket on every interface but loopback of every target. ports:
  // the TCP and UDP ports whose packets are kept, from or to (the overlay's
  // 8285 or 8472, the probe's).
  Capturer(const std::vector<CaptureTarget>& targets, const std::vector<uint16_t>& ports,
           size_t max_packets = 20000);
  ~Capturer();

  // Collects sightings until stop() is called from another thread or limit
  // passes; call once. Blocking.
  void collect(std::chrono::milliseconds limit);
  // Asks collect() to return after draining what is already queued.
  void stop();

  trace::Capture take();

 private:
  // Unmaps a capture ring.
  struct Unmap {
    void operator()(std::byte* ring) const;
  };
  struct Socket {
    Fd fd;
    size_t point;
    int ifindex = 0;
    std::unique_ptr<std::byte, Unmap> ring{};  // unmapped before fd closes
    size_t next = 0;  // next frame to look at
  };
  void open_in(const CaptureTarget& target, const std::vector<uint16_t>& ports);
  void drain(Socket& s);

  std::vector<Socket> sockets_;
  trace::Capture capture_;
  size_t max_packets_;
  Fd wake_;  // eventfd that stop() signals
};

}  // namespace ovl::os
