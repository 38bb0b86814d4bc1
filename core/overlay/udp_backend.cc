#include "core/overlay/udp_backend.h"

#include "core/linux/rtnl.h"
#include "core/linux/sysctl.h"
#include "core/linux/tun.h"
#include "core/linux/udp_socket.h"

namespace ovl::overlay {
namespace {

// Room for any IPv4 packet: the forwarder, not the buffer, judges sizes.
constexpr size_t kPacketBuffer = 65536;
// Flannel's proxy moves one packet per system call.
constexpr size_t kSimpleBatch = 1;

}  // namespace

UdpBackend::UdpBackend(const NetworkConfig& config, const ExternalIface& external)
    : config_(config), external_(external) {}

UdpBackend::~UdpBackend() { stop(); }

LeaseAttrs UdpBackend::prepare() { return LeaseAttrs{external_.public_ip, "udp", std::nullopt}; }

void UdpBackend::start(const Lease& own) {
  tun_ = std::make_unique<os::Tun>(kUdpDevice);
  // The data plane is IPv4 only, as Flannel's; without this the kernel's own
  // IPv6 chatter (MLD, router solicitations) would reach the forwarder.
  try {
    os::write_sysctl(-1, std::string("net.ipv6.conf.") + kUdpDevice + ".disable_ipv6", "1");
  } catch (const std::system_error&) {
    // A kernel without IPv6 sends none.
  }
  os::Rtnl rtnl;
  rtnl.set_mtu(kUdpDevice, mtu());
  // <lease>/<network length>: the connected route covers the whole overlay,
  // "100.96.0.0/16 dev flannel0 proto kernel scope link src 100.96.1.0".
  rtnl.add_address(kUdpDevice, net::Cidr(own.subnet.network(), config_.network.len()));
  rtnl.set_up(kUdpDevice);
  // The ICMP errors we write into flannel0 come from its own address; the
  // kernel drops packets that arrive with a local source unless told to
  // accept them (Flannel's proxy writes the same packets, and loses them).
  os::write_sysctl(-1, std::string("net.ipv4.conf.") + kUdpDevice + ".accept_local", "1");
  socket_ = std::make_unique<os::UdpSocket>(external_.public_ip, config_.port);
  outbound_ = std::thread([this, tun_ip = own.subnet.network()] {
    TunToUdp pump(routes_, tun_ip, counters_, kSimpleBatch, kPacketBuffer);
    while (!stopping_) pump.pump(*tun_, *socket_);
  });
  inbound_ = std::thread([this] {
    UdpToTun pump(counters_, kSimpleBatch, kPacketBuffer);
    while (!stopping_) pump.pump(*socket_, *tun_);
  });
}

void UdpBackend::add_peer(const Lease& peer) {
  routes_.store(routes_.load()->with(Route{peer.subnet, Endpoint{peer.attrs.public_ip, config_.port}}));
}

void UdpBackend::remove_peer(const net::Cidr& subnet) { routes_.store(routes_.load()->without(subnet)); }

void UdpBackend::stop() {
  stopping_ = true;
  if (outbound_.joinable()) outbound_.join();
  if (inbound_.joinable()) inbound_.join();
  socket_.reset();
  tun_.reset();  // flannel0 goes with its last fd
}

nlohmann::json UdpBackend::status() const {
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& r : routes_.load()->routes())
    peers.push_back({{"subnet", r.subnet.str()}, {"public_ip", r.next_hop.ip.str()}, {"port", r.next_hop.port}});
  return {{"device", kUdpDevice}, {"port", config_.port}, {"peers", peers}, {"counters", counters_json(counters_)}};
}

nlohmann::json counters_json(const Counters& c) {
  auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {{"tun_rx_packets", v(c.tun_rx_packets)}, {"tun_rx_bytes", v(c.tun_rx_bytes)},
          {"udp_tx_packets", v(c.udp_tx_packets)}, {"udp_tx_bytes", v(c.udp_tx_bytes)},
          {"udp_rx_packets", v(c.udp_rx_packets)}, {"udp_rx_bytes", v(c.udp_rx_bytes)},
          {"tun_tx_packets", v(c.tun_tx_packets)}, {"tun_tx_bytes", v(c.tun_tx_bytes)},
          {"icmp_unreachable_sent", v(c.icmp_unreachable_sent)},
          {"drops", {{"no_route", v(c.drop_no_route)}, {"ttl", v(c.drop_ttl)},
                     {"malformed", v(c.drop_malformed)}, {"truncated", v(c.drop_truncated)}}}};
}

}  // namespace ovl::overlay
