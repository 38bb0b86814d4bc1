// The udp backend's socket: bound to the node's public IP and port 8285,
// one inner packet per datagram.
#pragma once

#include "core/linux/fd.h"
#include "core/net/ipv4.h"
#include "core/overlay/forwarder.h"

namespace ovl::os {

class UdpSocket : public overlay::DatagramSocket {
 public:
  // Binds in the calling thread's network namespace.
  UdpSocket(net::Ipv4 ip, uint16_t port);

  size_t recv(std::span<overlay::Datagram> datagrams) override;
  void send(std::span<const overlay::Datagram> datagrams) override;

  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

}  // namespace ovl::os
