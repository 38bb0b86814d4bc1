#include "core/os/transport_probe.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "core/os/netns_socket.h"

namespace ovl::os {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in address(net::Ipv4 ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip.value());
  a.sin_port = htons(port);
  return a;
}

int option(int fd, int level, int name, int value) { return ::setsockopt(fd, level, name, &value, sizeof value); }

// The answering end, bound to port on every address of its namespace.
Fd server_socket(int netns, int type, uint16_t port) {
  Fd fd(socket_in_netns(netns, AF_INET, type | SOCK_NONBLOCK, 0));
  option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
  auto any = address(net::Ipv4(), port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0)
    throw_errno("binding overlaylab's " + std::string(type == SOCK_STREAM ? "listener" : "responder") + " to port " +
                std::to_string(port) + " in the destination (is the port taken there?)");
  if (type == SOCK_STREAM && ::listen(fd.get(), 4) != 0) throw_errno("listening on port " + std::to_string(port));
  return fd;
}

// The probe's end, connected (so the kernel picks its source address and
// port now, before anything is sent).
Fd client_socket(const TransportProbe& p, int type, EchoResult& r) {
  Fd fd(socket_in_netns(p.from_netns, AF_INET, type | SOCK_NONBLOCK, 0));
  option(fd.get(), IPPROTO_IP, IP_RECVERR, 1);
  option(fd.get(), IPPROTO_IP, IP_RECVTTL, 1);
  auto to = address(p.dst, p.port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)
    throw_errno("connecting a probe socket to " + p.dst.str() + ":" + std::to_string(p.port));
  sockaddr_in me{};
  socklen_t len = sizeof me;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&me), &len);
  r.source = net::Ipv4(ntohl(me.sin_addr.s_addr));
  r.sport = ntohs(me.sin_port);
  return fd;
}

int wait(std::vector<pollfd>& fds, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return ::poll(fds.data(), fds.size(), int(std::max<int64_t>(left, 1)));
}

// An ICMP error the kernel queued for the socket (IP_RECVERR): who sent it,
// its type and code, and for "fragmentation needed" the MTU.
bool read_error(int fd, EchoResult& r) {
  char control[512];
  std::byte data[64];
  iovec iov{data, sizeof data};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE) < 0) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR) continue;
    auto* e = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
    if (e->ee_origin == SO_EE_ORIGIN_LOCAL && e->ee_errno == EMSGSIZE) {
      r.kind = EchoResult::Kind::too_big;
      r.mtu = int(e->ee_info);
      return true;
    }
    if (e->ee_origin != SO_EE_ORIGIN_ICMP) continue;
    auto* offender = reinterpret_cast<const sockaddr_in*>(SO_EE_OFFENDER(e));
    r.kind = EchoResult::Kind::icmp_error;
    r.from = net::Ipv4(ntohl(offender->sin_addr.s_addr));
    r.icmp_type = e->ee_type;
    r.icmp_code = e->ee_code;
    r.mtu = e->ee_type == 3 && e->ee_code == 4 ? int(e->ee_info) : 0;
    return true;
  }
  return false;
}

// The datagram that came back, if it is the one sent, with its TTL.
bool read_reply(int fd, net::Bytes payload, EchoResult& r) {
  std::vector<std::byte> buf(65536);
  char control[128];
  iovec iov{buf.data(), buf.size()};
  sockaddr_in from{};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, 0);
  if (n < 0 || size_t(n) != payload.size() || !std::equal(payload.begin(), payload.end(), buf.begin())) return false;
  r.kind = EchoResult::Kind::reply;
  r.from = net::Ipv4(ntohl(from.sin_addr.s_addr));
  r.bytes = size_t(n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) r.ttl = *reinterpret_cast<const int*>(CMSG_DATA(c));
  return true;
}

// The responder's part: every datagram goes back where it came from.
void echo_back(int fd) {
  std::vector<std::byte> buf(65536);
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n >= 0) ::sendto(fd, buf.data(), size_t(n), 0, reinterpret_cast<sockaddr*>(&from), len);
}

}  // namespace

EchoResult udp_probe(const TransportProbe& p, net::Bytes payload, std::optional<bool> df) {
  Fd responder = p.to_netns >= 0 ? server_socket(p.to_netns, SOCK_DGRAM, p.port) : Fd();
  if (responder) set_dont_fragment(responder.get(), df);
  EchoResult r;
  Fd client = client_socket(p, SOCK_DGRAM, r);
  set_dont_fragment(client.get(), df);
  auto sent = Clock::now(), deadline = sent + p.timeout;
  if (::send(client.get(), payload.data(), payload.size(), 0) < 0) {
    if (errno != EMSGSIZE) throw_errno("sending a UDP probe to " + p.dst.str());
    r.kind = EchoResult::Kind::too_big;
    r.mtu = path_mtu(client.get(), p.dst);
    return r;
  }
  std::vector<pollfd> fds{{client.get(), POLLIN, 0}};
  if (responder) fds.push_back({responder.get(), POLLIN, 0});
  while (wait(fds, deadline) > 0) {
    if (fds.size() > 1 && fds[1].revents & POLLIN) echo_back(responder.get());
    if (fds[0].revents & POLLERR && read_error(client.get(), r)) break;
    if (fds[0].revents & POLLIN && read_reply(client.get(), payload, r)) break;
  }
  r.rtt = Clock::now() - sent;
  return r;
}

namespace {

// Until connect() completes or fails; the listener needs no help, the
// kernel answers the SYN for it.
void handshake(int client, const TransportProbe& p, Clock::time_point deadline, EchoResult& r) {
  std::vector<pollfd> fds{{client, POLLOUT, 0}};
  if (wait(fds, deadline) <= 0) return;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(client, SOL_SOCKET, SO_ERROR, &err, &len);
  r.from = p.dst;
  if (err == 0) r.kind = EchoResult::Kind::reply;
  else if (err == ECONNREFUSED) r.kind = EchoResult::Kind::refused;
  else if ((err == EHOSTUNREACH || err == ENETUNREACH) && !read_error(client, r)) {
    r.kind = EchoResult::Kind::icmp_error;  // TCP keeps only the errno of the ICMP error
    r.icmp_type = 3;
    r.icmp_code = err == ENETUNREACH ? 0 : 1;
  }
}

// The listener's side of the connection, once the kernel has completed it
// (the client's last ACK may still be on its way when connect() returns).
Fd accept_from(int listener, Clock::time_point deadline) {
  std::vector<pollfd> fds{{listener, POLLIN, 0}};
  if (wait(fds, deadline) <= 0) return Fd();
  return Fd(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

// size bytes through the connection, counted as the listener reads them.
void transfer(int client, int server, size_t size, Clock::time_point deadline, EchoResult& r) {
  std::vector<std::byte> chunk(65536, std::byte{'x'});
  size_t written = 0;
  std::vector<pollfd> fds{{client, POLLOUT, 0}, {server, POLLIN, 0}};
  while (r.delivered < size && wait(fds, deadline) > 0) {
    if (fds[1].revents & POLLIN) {
      ssize_t n = ::read(server, chunk.data(), chunk.size());
      r.delivered += n > 0 ? size_t(n) : 0;
    }
    if (written < size && fds[0].revents & POLLOUT) {
      ssize_t n = ::send(client, chunk.data(), std::min(chunk.size(), size - written), MSG_NOSIGNAL);
      written += n > 0 ? size_t(n) : 0;
    }
    if (written == size) fds[0].events = 0;
  }
  r.kind = r.delivered == size ? EchoResult::Kind::reply : EchoResult::Kind::stalled;
}

}  // namespace

EchoResult tcp_probe(const TransportProbe& p, size_t size) {
  Fd listener = p.to_netns >= 0 ? server_socket(p.to_netns, SOCK_STREAM, p.port) : Fd();
  EchoResult r;
  auto sent = Clock::now(), deadline = sent + p.timeout;
  Fd client = client_socket(p, SOCK_STREAM, r);
  handshake(client.get(), p, deadline, r);
  r.rtt = Clock::now() - sent;
  if (r.kind != EchoResult::Kind::reply || !listener) return r;
  // Accepted, so that closing ends the connection with FINs: a listener
  // closed on a connection it never accepted would answer it with RST.
  Fd server = accept_from(listener.get(), deadline + p.timeout);
  if (size > 0) {
    if (server) transfer(client.get(), server.get(), size, deadline + p.timeout, r);
    else r.kind = EchoResult::Kind::stalled;
  }
  client.reset();
  return r;
}

}  // namespace ovl::os
