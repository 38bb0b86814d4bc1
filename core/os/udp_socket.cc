#include "core/os/udp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "core/os/tun.h"

namespace ovl::os {
namespace {

// The fast path's buffers: a few GSO batches of 64 KB in flight each way.
constexpr int kFastSocketBuffer = 8 << 20;

sockaddr_in to_sockaddr(net::Endpoint e) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(e.ip.value());
  sa.sin_port = htons(e.port);
  return sa;
}

// A UDP socket (SO_REUSEADDR) bound to ip:port in the calling thread's namespace.
Fd bound_udp_socket(net::Ipv4 ip, uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) throw_errno("opening a UDP socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto sa = to_sockaddr({ip, port});
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw_errno("binding UDP " + ip.str() + ":" + std::to_string(port));
  return fd;
}

int buffer_size(int fd, int opt) {
  int size = 0;
  socklen_t len = sizeof size;
  ::getsockopt(fd, SOL_SOCKET, opt, &size, &len);
  return size;
}

}  // namespace

UdpSocket::UdpSocket(net::Ipv4 ip, uint16_t port)
    : fd_(bound_udp_socket(ip, port)),
      rcvbuf_(buffer_size(fd_.get(), SO_RCVBUF)),
      sndbuf_(buffer_size(fd_.get(), SO_SNDBUF)) {}

// As Flannel's proxy: receive first, and wait only when nothing is queued.
size_t UdpSocket::recv(std::span<net::Datagram> datagrams) {
  if (datagrams.empty()) return 0;
  auto& d = datagrams[0];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  auto receive = [&] {
    return ::recvfrom(fd_.get(), d.packet.data, d.packet.cap, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
  };
  ssize_t n = receive();
  if (n < 0 && errno == EAGAIN && wait_readable(fd_.get(), kWakeMs)) n = receive();
  if (n < 0) return 0;
  d.packet.len = size_t(n);
  d.peer = net::Endpoint{net::Ipv4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port)};
  return 1;
}

void UdpSocket::send(std::span<const net::Datagram> datagrams) {
  for (const auto& d : datagrams) {
    auto sa = to_sockaddr(d.peer);
    (void)::sendto(fd_.get(), d.packet.data, d.packet.len, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
}

// ---- GsoUdpSocket ----

namespace {

// As root, past net.core.rmem_max/wmem_max; else as much as those allow.
void set_buffers(int fd, UdpFeatures& f) {
  int size = kFastSocketBuffer;
  f.forced_buffers = ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) == 0 &&
                     ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) == 0;
  if (!f.forced_buffers)
    for (int opt : {SO_RCVBUF, SO_SNDBUF}) ::setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
  f.rcvbuf = buffer_size(fd, SO_RCVBUF);
  f.sndbuf = buffer_size(fd, SO_SNDBUF);
}

uint16_t gro_segment_size(msghdr& h) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO) continue;
    int size = 0;
    std::memcpy(&size, CMSG_DATA(c), sizeof size);
    return uint16_t(size);
  }
  return 0;
}

size_t fill_iov(const net::Segment& s, iovec* iov) {
  size_t n = 0;
  if (!s.header.empty()) iov[n++] = iovec{const_cast<std::byte*>(s.header.data()), s.header.size()};
  iov[n++] = iovec{const_cast<std::byte*>(s.payload.data()), s.payload.size()};
  return n;
}

const char* on(bool b) { return b ? "on" : "off"; }

}  // namespace

std::string UdpFeatures::describe() const {
  return std::string("UDP GSO ") + on(gso) + ", UDP GRO " + on(gro) + ", socket buffers " +
         std::to_string(rcvbuf) + "/" + std::to_string(sndbuf) + " bytes" + (forced_buffers ? " (forced)" : "");
}

GsoUdpSocket::GsoUdpSocket(net::Ipv4 ip, uint16_t port, size_t max_receive, size_t max_segments)
    : fd_(bound_udp_socket(ip, port)) {
  int one = 1, zero = 0;
  set_buffers(fd_.get(), features_);
  // Setting a zero segment size only asks whether the kernel knows UDP_SEGMENT.
  features_.gso = ::setsockopt(fd_.get(), SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
  features_.gro = ::setsockopt(fd_.get(), SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  gso_ = features_.gso;
  max_segments = std::max(max_segments, net::kMaxGsoSegments);
  for (auto [b, msgs] : {std::pair{&rx_, max_receive}, std::pair{&tx_, max_segments}}) {
    b->msgs.resize(msgs);
    b->iov.resize(2 * msgs);
    b->names.resize(msgs);
    b->control.resize(msgs);
    b->origin.resize(msgs);
  }
}

size_t GsoUdpSocket::recv(std::span<net::GroDatagram> out) {
  size_t n = std::min(out.size(), rx_.msgs.size());
  for (size_t i = 0; i < n; ++i) {
    rx_.iov[i] = iovec{out[i].packet.data, out[i].packet.cap};
    auto& h = rx_.msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &rx_.names[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &rx_.iov[i];
    h.msg_iovlen = 1;
    h.msg_control = rx_.control[i].bytes.data();
    h.msg_controllen = sizeof rx_.control[i].bytes;
  }
  int got = ::recvmmsg(fd_.get(), rx_.msgs.data(), unsigned(n), MSG_DONTWAIT, nullptr);
  for (int i = 0; i < got; ++i) {
    auto& h = rx_.msgs[size_t(i)].msg_hdr;
    auto& d = out[size_t(i)];
    d.packet.len = rx_.msgs[size_t(i)].msg_len;
    d.peer = net::Endpoint{net::Ipv4(ntohl(rx_.names[size_t(i)].sin_addr.s_addr)), ntohs(rx_.names[size_t(i)].sin_port)};
    d.segment_size = gro_segment_size(h);
  }
  return got > 0 ? size_t(got) : 0;
}

// One message: the whole datagram with a UDP_SEGMENT size when segmented,
// else one message per segment. False when the batch has no room left.
bool GsoUdpSocket::queue(const net::GsoDatagram& d, bool segmented) {
  auto& b = tx_;
  size_t msgs = segmented ? 1 : d.segments.size();
  if (b.msgs_used + msgs > b.msgs.size() || b.iov_used + 2 * d.segments.size() > b.iov.size()) return false;
  for (size_t k = 0; k < msgs; ++k) {
    size_t m = b.msgs_used++;
    auto segs = segmented ? d.segments : d.segments.subspan(k, 1);
    iovec* iov = &b.iov[b.iov_used];
    size_t count = 0;
    for (const auto& s : segs) count += fill_iov(s, iov + count);
    b.iov_used += count;
    b.names[m] = to_sockaddr(d.peer);
    b.origin[m] = &d;
    auto& h = b.msgs[m].msg_hdr;
    h = msghdr{};
    h.msg_name = &b.names[m];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = iov;
    h.msg_iovlen = count;
    if (!segmented) continue;
    h.msg_control = b.control[m].bytes.data();
    h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    std::memcpy(CMSG_DATA(c), &d.segment_size, sizeof(uint16_t));
  }
  return true;
}

void GsoUdpSocket::send(std::span<const net::GsoDatagram> datagrams) {
  bool gso = gso_;
  for (const auto& d : datagrams) {
    bool segmented = gso && d.segments.size() > 1;
    if (queue(d, segmented)) continue;
    transmit();
    if (!queue(d, segmented)) send_unsegmented(d);
  }
  transmit();
}

void GsoUdpSocket::transmit() {
  auto& b = tx_;
  for (size_t i = 0; i < b.msgs_used;) {
    int sent = ::sendmmsg(fd_.get(), b.msgs.data() + i, unsigned(b.msgs_used - i), 0);
    if (sent > 0) {
      i += size_t(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    // Message i failed. A refused GSO send goes out datagram by datagram
    // (EIO: the route's device cannot checksum it, so GSO stays off);
    // anything else drops it, as a full queue would.
    if (b.msgs[i].msg_hdr.msg_controllen) {
      if (errno == EIO) gso_ = false;
      send_unsegmented(*b.origin[i]);
    }
    ++i;
  }
  b.msgs_used = b.iov_used = 0;
}

void GsoUdpSocket::send_unsegmented(const net::GsoDatagram& d) {
  auto sa = to_sockaddr(d.peer);
  for (const auto& s : d.segments) {
    iovec iov[2];
    msghdr h{};
    h.msg_name = &sa;
    h.msg_namelen = sizeof sa;
    h.msg_iov = iov;
    h.msg_iovlen = fill_iov(s, iov);
    (void)::sendmsg(fd_.get(), &h, 0);
  }
}

}  // namespace ovl::os
