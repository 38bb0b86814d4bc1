// A TUN device as Flannel's udp backend opens it: IFF_TUN | IFF_NO_PI, so
// each read or write is exactly one IPv4 packet. The device is not
// persistent: it vanishes, with its addresses and routes, when the last fd
// closes (when overlayd exits), which is why stopping the daemon breaks
// cross-node traffic.
#pragma once

#include <string>

#include "core/os/fd.h"
#include "core/net/datapath.h"

namespace ovl::os {

// Non-blocking, as Flannel's proxy makes it: read() reads first and waits
// (up to kWakeMs) only when the device is empty, so a busy loop makes one
// system call per packet.
class Tun : public net::PacketDevice {
 public:
  // Creates name in the calling thread's network namespace.
  explicit Tun(const std::string& name);

  size_t read(std::span<net::Packet> packets) override;
  void write(std::span<const net::Packet> packets) override;

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
  std::string name_;
};

// What the kernel granted a VnetTun.
struct TunFeatures {
  bool vnet_hdr = false;  // IFF_VNET_HDR: a virtio_net_hdr on every read and write
  bool csum = false;      // TUN_F_CSUM: packets may arrive with partial checksums
  bool tso = false;       // TUN_F_TSO4|TSO6: TCP super-packets
  bool uso = false;       // TUN_F_USO4|USO6: UDP super-packets
  std::string describe() const;
};

// The fast data plane's TUN device: IFF_VNET_HDR, and TUNSETOFFLOAD so the
// kernel hands over TCP (and UDP) super-packets of up to 64 KB, which
// overlayd splits (offload.h). Each feature is asked for at start-up and
// dropped alone when the kernel refuses it; without a vnet header at all,
// read() makes up a zeroed one and write() leaves it out, so callers see one
// format. Non-blocking: read() returns 0 at once when the device is empty;
// callers wait with wait_readable(fd()), which lets one thread serve both
// directions.
class VnetTun : public net::VnetDevice {
 public:
  explicit VnetTun(const std::string& name);

  size_t read(std::span<net::Packet> frames) override;
  void write(std::span<const net::TunFrame> frames) override;

  const TunFeatures& features() const { return features_; }
  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }

 private:
  ssize_t read_one(net::Packet& frame);

  Fd fd_;
  std::string name_;
  TunFeatures features_;
};

// How long a reader waits at most before its loop checks for shutdown.
inline constexpr int kWakeMs = 200;

// Waits up to timeout_ms for fd (or any of fds) to become readable; false on timeout.
bool wait_readable(int fd, int timeout_ms);
bool wait_readable(std::span<const int> fds, int timeout_ms);

}  // namespace ovl::os
