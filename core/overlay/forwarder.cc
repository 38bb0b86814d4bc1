#include "core/overlay/forwarder.h"

#include <algorithm>
#include <cstring>

#include "core/net/checksum.h"
#include "core/net/packet.h"

namespace ovl::overlay {
namespace {

// Flannel's proxy sends its ICMP errors with TTL 8.
constexpr uint8_t kIcmpErrorTtl = 8;

Verdict check_ipv4(net::Bytes packet, net::Parsed<net::Ipv4Header>* out) {
  *out = net::parse_ipv4(packet);
  if (out->error == net::ParseError::truncated) return Verdict::drop_truncated;
  if (!*out) return Verdict::drop_malformed;
  // A datagram carries exactly one packet: trailing bytes mean a bad sender.
  if (out->header.total_length != packet.size()) return Verdict::drop_malformed;
  if (!net::ipv4_checksum_ok(packet, out->header)) return Verdict::drop_malformed;
  return Verdict::forward;
}

void add(std::atomic<uint64_t>& counter, uint64_t n) { counter.fetch_add(n, std::memory_order_relaxed); }

}  // namespace

Verdict route_outgoing(net::MutableBytes packet, const RouteTable& routes, Endpoint* next_hop) {
  net::Parsed<net::Ipv4Header> ip;
  if (auto v = check_ipv4(packet, &ip); v != Verdict::forward) return v;
  const Route* route = routes.lookup(ip.header.dst);
  if (!route)
    return net::may_answer_with_icmp_error(packet, ip.header) ? Verdict::unreachable : Verdict::drop_no_route;
  if (!net::decrement_ttl(packet)) return Verdict::drop_ttl;
  *next_hop = route->next_hop;
  return Verdict::forward;
}

Verdict accept_incoming(net::MutableBytes packet) {
  net::Parsed<net::Ipv4Header> ip;
  if (auto v = check_ipv4(packet, &ip); v != Verdict::forward) return v;
  if (!net::decrement_ttl(packet)) return Verdict::drop_ttl;
  return Verdict::forward;
}

void count_drop(Counters& c, Verdict verdict) {
  switch (verdict) {
    case Verdict::drop_no_route: add(c.drop_no_route, 1); break;
    case Verdict::drop_ttl: add(c.drop_ttl, 1); break;
    case Verdict::drop_malformed: add(c.drop_malformed, 1); break;
    case Verdict::drop_truncated: add(c.drop_truncated, 1); break;
    case Verdict::unreachable: add(c.drop_no_route, 1); break;
    case Verdict::forward: break;
  }
}

PacketBatch::PacketBatch(size_t count, size_t packet_size)
    : storage_(count * packet_size), packets_(count), datagrams_(count) {
  for (size_t i = 0; i < count; ++i) {
    packets_[i] = Packet{storage_.data() + i * packet_size, 0, packet_size};
    datagrams_[i].packet = packets_[i];
  }
}

TunToUdp::TunToUdp(const SharedRouteTable& routes, net::Ipv4 tun_address, Counters& counters,
                   size_t batch_size, size_t packet_size)
    : routes_(routes), tun_address_(tun_address), counters_(counters),
      in_(batch_size, packet_size), out_(batch_size, 0), icmp_(1, 1500) {}

size_t TunToUdp::pump(PacketDevice& tun, DatagramSocket& udp) {
  size_t n = tun.read(in_.packets());
  if (n == 0) return 0;
  auto table = routes_.load();
  auto out = out_.datagrams();
  size_t sending = 0;
  for (size_t i = 0; i < n; ++i) {
    const Packet& p = in_.packets()[i];
    add(counters_.tun_rx_packets, 1);
    add(counters_.tun_rx_bytes, p.len);
    Endpoint hop;
    Verdict v = route_outgoing(p.bytes(), *table, &hop);
    if (v == Verdict::forward) {
      out[sending++] = Datagram{p, hop};
      add(counters_.udp_tx_bytes, p.len);
    } else {
      count_drop(counters_, v);
      if (v == Verdict::unreachable) answer_unreachable(tun, p.bytes());
    }
  }
  if (sending) udp.send(out.first(sending));
  add(counters_.udp_tx_packets, sending);
  return n;
}

void TunToUdp::answer_unreachable(PacketDevice& tun, net::Bytes offender) {
  auto reply = net::build_icmp_error(tun_address_, net::kIcmpUnreachable, net::kIcmpNetUnreachable,
                                     offender, kIcmpErrorTtl);
  Packet& p = icmp_.packets()[0];
  p.len = std::min(reply.size(), p.cap);
  std::memcpy(p.data, reply.data(), p.len);
  tun.write(icmp_.packets().first(1));
  add(counters_.icmp_unreachable_sent, 1);
}

UdpToTun::UdpToTun(Counters& counters, size_t batch_size, size_t packet_size)
    : counters_(counters), in_(batch_size, packet_size), out_(batch_size, 0) {}

size_t UdpToTun::pump(DatagramSocket& udp, PacketDevice& tun) {
  size_t n = udp.recv(in_.datagrams());
  if (n == 0) return 0;
  auto out = out_.packets();
  size_t writing = 0;
  for (size_t i = 0; i < n; ++i) {
    const Packet& p = in_.datagrams()[i].packet;
    add(counters_.udp_rx_packets, 1);
    add(counters_.udp_rx_bytes, p.len);
    Verdict v = accept_incoming(p.bytes());
    if (v != Verdict::forward) {
      count_drop(counters_, v);
      continue;
    }
    out[writing++] = p;
    add(counters_.tun_tx_bytes, p.len);
  }
  if (writing) tun.write(out.first(writing));
  add(counters_.tun_tx_packets, writing);
  return n;
}

}  // namespace ovl::overlay
