// A TUN device as Flannel's udp backend opens it: IFF_TUN | IFF_NO_PI, so
// each read or write is exactly one IPv4 packet. The device is not
// persistent: it vanishes, with its addresses and routes, when the last fd
// closes (when overlayd exits), which is why stopping the daemon breaks
// cross-node traffic.
#pragma once

#include <string>

#include "core/linux/fd.h"
#include "core/overlay/forwarder.h"

namespace ovl::os {

class Tun : public overlay::PacketDevice {
 public:
  // Creates name in the calling thread's network namespace.
  explicit Tun(const std::string& name);

  size_t read(std::span<overlay::Packet> packets) override;
  void write(std::span<const overlay::Packet> packets) override;

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
  std::string name_;
};

// Waits up to timeout_ms for fd to become readable; false on timeout.
bool wait_readable(int fd, int timeout_ms);

}  // namespace ovl::os
