// The udp backend's sockets: bound to the node's public IP and port 8285,
// one inner packet per datagram. The simple one is Flannel's proxy's: no
// socket options beyond SO_REUSEADDR, so its buffers are the kernel's
// defaults (net.core.rmem_default/wmem_default); the fast one sizes its own.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "core/net/datapath.h"
#include "core/net/ipv4.h"
#include "core/os/fd.h"

namespace ovl::os {

class UdpSocket : public net::DatagramSocket {
 public:
  // Binds in the calling thread's network namespace.
  UdpSocket(net::Ipv4 ip, uint16_t port);

  size_t recv(std::span<net::Datagram> datagrams) override;
  void send(std::span<const net::Datagram> datagrams) override;

  int fd() const { return fd_.get(); }
  // SO_RCVBUF and SO_SNDBUF as the kernel reports them.
  int rcvbuf() const { return rcvbuf_; }
  int sndbuf() const { return sndbuf_; }

 private:
  Fd fd_;
  int rcvbuf_ = 0, sndbuf_ = 0;
};

// What the kernel granted a GsoUdpSocket.
struct UdpFeatures {
  bool gso = false;  // UDP_SEGMENT: one send, many datagrams
  bool gro = false;  // UDP_GRO: one receive, many datagrams
  bool forced_buffers = false;  // SO_RCVBUFFORCE/SO_SNDBUFFORCE (root) took
  int rcvbuf = 0, sndbuf = 0;   // as the kernel reports them
  std::string describe() const;
};

// The fast data plane's socket: recvmmsg/sendmmsg batches, UDP GSO on send
// and UDP GRO on receive, large buffers. Features are probed at start-up and
// each falls back alone; a GSO send the kernel refuses (EIO from a device
// without checksum offload) is resent datagram by datagram, and after EIO
// GSO stays off. Each datagram on the wire is still one inner packet.
// recv() returns 0 at once when nothing is queued (wait with
// wait_readable(fd())). recv() and send() may run in different threads, but
// neither in two at once.
class GsoUdpSocket : public net::GsoSocket {
 public:
  // Binds in the calling thread's network namespace; max_segments bounds
  // the datagrams of one send() call (more are sent in several syscalls).
  GsoUdpSocket(net::Ipv4 ip, uint16_t port, size_t max_receive, size_t max_segments);

  size_t recv(std::span<net::GroDatagram> datagrams) override;
  void send(std::span<const net::GsoDatagram> datagrams) override;

  const UdpFeatures& features() const { return features_; }
  bool gso_on() const { return gso_; }
  int fd() const { return fd_.get(); }

 private:
  // Room for one int in a control message, aligned as cmsghdr wants.
  struct alignas(cmsghdr) Control {
    std::array<char, CMSG_SPACE(sizeof(int))> bytes;
  };
  struct Batch {
    std::vector<mmsghdr> msgs;
    std::vector<iovec> iov;
    std::vector<sockaddr_in> names;
    std::vector<Control> control;
    std::vector<const net::GsoDatagram*> origin;
    size_t msgs_used = 0, iov_used = 0;
  };
  bool queue(const net::GsoDatagram& d, bool segmented);
  void transmit();
  void send_unsegmented(const net::GsoDatagram& d);

  Fd fd_;
  UdpFeatures features_;
  std::atomic<bool> gso_{false};
  Batch rx_, tx_;
};

}  // namespace ovl::os
