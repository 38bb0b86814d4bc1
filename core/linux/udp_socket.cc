#include "core/linux/udp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/linux/tun.h"

namespace ovl::os {
namespace {

constexpr int kWakeMs = 200;
// Large buffers so a burst from the TUN side is not dropped by the socket.
constexpr int kSocketBuffer = 4 << 20;

sockaddr_in to_sockaddr(overlay::Endpoint e) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(e.ip.value());
  sa.sin_port = htons(e.port);
  return sa;
}

}  // namespace

UdpSocket::UdpSocket(net::Ipv4 ip, uint16_t port)
    : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP)) {
  if (!fd_) throw_errno("opening a UDP socket");
  int one = 1;
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  for (int opt : {SO_RCVBUF, SO_SNDBUF}) ::setsockopt(fd_.get(), SOL_SOCKET, opt, &kSocketBuffer, sizeof kSocketBuffer);
  auto sa = to_sockaddr({ip, port});
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw_errno("binding UDP " + ip.str() + ":" + std::to_string(port));
}

size_t UdpSocket::recv(std::span<overlay::Datagram> datagrams) {
  if (datagrams.empty() || !wait_readable(fd_.get(), kWakeMs)) return 0;
  auto& d = datagrams[0];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n = ::recvfrom(fd_.get(), d.packet.data, d.packet.cap, MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return 0;
  d.packet.len = size_t(n);
  d.peer = overlay::Endpoint{net::Ipv4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port)};
  return 1;
}

void UdpSocket::send(std::span<const overlay::Datagram> datagrams) {
  for (const auto& d : datagrams) {
    auto sa = to_sockaddr(d.peer);
    (void)::sendto(fd_.get(), d.packet.data, d.packet.len, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
}

}  // namespace ovl::os
