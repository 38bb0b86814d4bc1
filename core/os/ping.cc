#include "core/os/ping.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "core/os/netns.h"
#include "core/net/packet.h"

namespace ovl::os {
namespace {

using Clock = std::chrono::steady_clock;

// Does this ICMP message answer our echo? Replies echo id, seq and payload;
// errors quote our IP header and the first 8 bytes of our ICMP header.
bool answers(net::Bytes icmp_message, const net::IcmpHeader& icmp, net::Ipv4 dst, uint16_t id,
             uint16_t seq, net::Bytes payload) {
  if (icmp.type == net::kIcmpEchoReply) {
    auto body = icmp_message.subspan(net::IcmpHeader::kSize);
    return icmp.id == id && icmp.seq == seq && body.size() == payload.size() &&
           std::equal(body.begin(), body.end(), payload.begin());
  }
  if (icmp.type != net::kIcmpUnreachable && icmp.type != net::kIcmpTimeExceeded) return false;
  auto quoted = icmp_message.subspan(net::IcmpHeader::kSize);
  if (quoted.size() < net::Ipv4Header::kMinSize) return false;
  size_t ihl = size_t(net::load8(quoted, 0) & 15) * 4;
  if (quoted.size() < ihl + 8 || net::Ipv4(net::load32(quoted, 16)) != dst) return false;
  auto inner = quoted.subspan(ihl);
  return net::load8(inner, 0) == net::kIcmpEchoRequest && net::load16(inner, 4) == id &&
         net::load16(inner, 6) == seq;
}

}  // namespace

// Connecting gives the socket the route to dst, whose MTU IP_MTU reads;
// disconnecting again lets it hear every host.
int path_mtu(int fd, net::Ipv4 dst) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(dst.value());
  int mtu = 0;
  socklen_t len = sizeof mtu;
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  if (!connected || ::getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len) != 0) mtu = 0;
  sockaddr none{};
  none.sa_family = AF_UNSPEC;
  ::connect(fd, &none, sizeof none);
  return mtu;
}

void set_dont_fragment(int fd, std::optional<bool> df) {
  if (!df) return;
  int mode = *df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
  if (::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof mode) != 0)
    throw_errno("setting IP_MTU_DISCOVER on a probe socket");
}

Pinger::Pinger(int netns_fd) {
  std::optional<NetnsScope> scope;
  if (netns_fd >= 0) scope.emplace(netns_fd);
  sock_ = Fd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
  if (!sock_) throw_errno("opening a raw ICMP socket");
}

EchoResult Pinger::echo(net::Ipv4 dst, uint16_t id, uint16_t seq, net::Bytes payload,
                        std::chrono::milliseconds timeout, std::optional<bool> df) {
  auto request = net::build_icmp_echo(net::kIcmpEchoRequest, id, seq, payload);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(dst.value());
  set_dont_fragment(sock_.get(), df);
  auto sent = Clock::now();
  if (::sendto(sock_.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof to) < 0) {
    if (errno != EMSGSIZE) throw_errno("sending an ICMP echo request to " + dst.str());
    EchoResult r;
    r.kind = EchoResult::Kind::too_big;
    r.mtu = path_mtu(sock_.get(), dst);
    return r;
  }
  std::vector<std::byte> buf(65536);
  for (auto deadline = sent + timeout; Clock::now() < deadline;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd pfd{sock_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, int(std::max<int64_t>(left.count(), 1))) <= 0) continue;
    ssize_t n = ::recv(sock_.get(), buf.data(), buf.size(), 0);
    if (n < 0) continue;
    net::Bytes packet(buf.data(), size_t(n));
    auto ip = net::parse_ipv4(packet);
    if (!ip || ip.header.protocol != net::kProtoIcmp) continue;
    auto message = net::ipv4_payload(packet, ip.header);
    auto icmp = net::parse_icmp(message);
    if (!icmp || !answers(message, icmp.header, dst, id, seq, payload)) continue;
    EchoResult r;
    r.kind = icmp.header.type == net::kIcmpEchoReply ? EchoResult::Kind::reply
                                                     : EchoResult::Kind::icmp_error;
    r.from = ip.header.src;
    r.ttl = ip.header.ttl;
    r.bytes = message.size();
    r.icmp_type = icmp.header.type;
    r.icmp_code = icmp.header.code;
    if (r.icmp_type == net::kIcmpUnreachable && r.icmp_code == net::kIcmpFragNeeded)
      r.mtu = net::icmp_next_hop_mtu(icmp.header);
    r.rtt = Clock::now() - sent;
    return r;
  }
  return EchoResult{};
}

}  // namespace ovl::os
