#include "core/daemon/udp_backend.h"

#include "core/os/rtnl.h"
#include "core/os/sysctl.h"
#include "core/os/tun.h"
#include "core/os/udp_socket.h"
#include "core/overlay/log.h"

namespace ovl::daemon {
namespace {

// Room for any IPv4 packet: the forwarder, not the buffer, judges sizes.
constexpr size_t kPacketBuffer = 65536;
// Flannel's proxy moves one packet per system call.
constexpr size_t kSimpleBatch = 1;
// The fast path: TUN frames (up to 64 KB each) read per batch, and receive
// buffers (a UDP GRO batch of up to 64 KB each) per recvmmsg.
constexpr size_t kFastTunBatch = 16;
constexpr size_t kFastUdpBatch = 32;
constexpr size_t kGroBuffer = 65536;
constexpr size_t kMaxSendSegments = kFastTunBatch * 64;

}  // namespace

const char* to_string(Dataplane d) { return d == Dataplane::simple ? "simple" : "fast"; }

std::optional<Dataplane> parse_dataplane(const std::string& name) {
  if (name == "simple") return Dataplane::simple;
  if (name == "fast") return Dataplane::fast;
  return std::nullopt;
}

UdpBackend::UdpBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external, UdpOptions options)
    : config_(config), external_(external), options_(options) {}

UdpBackend::~UdpBackend() { stop(); }

// Flannel's udp backend publishes its PublicIP and nothing else: no
// BackendType, no BackendData.
overlay::LeaseAttrs UdpBackend::prepare() { return overlay::LeaseAttrs{external_.public_ip, "", std::nullopt}; }

void UdpBackend::start(const overlay::Lease& own) {
  if (options_.dataplane == Dataplane::simple)
    start_simple(own);
  else
    start_fast(own);
}

// flannel0 exists (made by the caller, in its data plane's flavour): give it
// Flannel's MTU, address and sysctls.
void UdpBackend::configure_device(const overlay::Lease& own) {
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
  // accept them (Flannel's proxy writes the same packets).
  os::write_sysctl(-1, std::string("net.ipv4.conf.") + kUdpDevice + ".accept_local", "1");
}

void UdpBackend::start_simple(const overlay::Lease& own) {
  tun_ = std::make_unique<os::Tun>(kUdpDevice);
  configure_device(own);
  socket_ = std::make_unique<os::UdpSocket>(external_.public_ip, config_.port);
  say("udp data plane simple: one packet per system call and the kernel's default socket buffers (" +
      std::to_string(socket_->rcvbuf()) + "/" + std::to_string(socket_->sndbuf()) + " bytes), as Flannel's proxy");
  outbound_ = std::thread([this, tun_ip = own.subnet.network()] {
    overlay::TunToUdp pump(routes_, tun_ip, counters_, kSimpleBatch, kPacketBuffer);
    while (!stopping_) pump.pump(*tun_, *socket_);
  });
  inbound_ = std::thread([this] {
    overlay::UdpToTun pump(counters_, kSimpleBatch, kPacketBuffer);
    while (!stopping_) pump.pump(*socket_, *tun_);
  });
}

void UdpBackend::start_fast(const overlay::Lease& own) {
  vnet_tun_ = std::make_unique<os::VnetTun>(kUdpDevice);
  configure_device(own);
  gso_socket_ = std::make_unique<os::GsoUdpSocket>(external_.public_ip, config_.port, kFastUdpBatch, kMaxSendSegments);
  const auto& t = vnet_tun_->features();
  const auto& u = gso_socket_->features();
  offloads_ = {t.vnet_hdr, t.csum, t.tso, t.uso, u.gso, u.gro, u.forced_buffers};
  say("udp data plane fast: " + t.describe() + "; " + u.describe() + "; batches of " +
      std::to_string(kFastTunBatch) + " TUN frames and " + std::to_string(kFastUdpBatch) + " UDP buffers");
  outbound_ = std::thread([this, tun_ip = own.subnet.network()] { run_fast(tun_ip); });
}

// One thread, both directions: the ACK a container sends while we write its
// data into flannel0 is waiting in the TUN queue when the loop comes round,
// so a TCP flow costs no thread wake-ups for its ACKs. It sleeps only when
// both sides are idle.
void UdpBackend::run_fast(net::Ipv4 tun_ip) {
  overlay::FastTunToUdp out(routes_, tun_ip, counters_, kFastTunBatch);
  overlay::FastUdpToTun in(counters_, kFastUdpBatch, kGroBuffer, vnet_tun_->features().vnet_hdr);
  const int fds[] = {vnet_tun_->fd(), gso_socket_->fd()};
  while (!stopping_) {
    bool busy = out.pump(*vnet_tun_, *gso_socket_) > 0;
    busy = in.pump(*gso_socket_, *vnet_tun_) > 0 || busy;
    if (!busy) os::wait_readable(fds, os::kWakeMs);
  }
}

void UdpBackend::say(const std::string& message) {
  if (options_.log) overlay::log_line(*options_.log, message);
}

void UdpBackend::add_peer(const overlay::Lease& peer) {
  routes_.store(routes_.load()->with(overlay::Route{peer.subnet, net::Endpoint{peer.attrs.public_ip, config_.port}}));
}

void UdpBackend::remove_peer(const net::Cidr& subnet) { routes_.store(routes_.load()->without(subnet)); }

void UdpBackend::stop() {
  stopping_ = true;
  if (outbound_.joinable()) outbound_.join();
  if (inbound_.joinable()) inbound_.join();
  socket_.reset();
  gso_socket_.reset();
  tun_.reset();  // flannel0 goes with its last fd
  vnet_tun_.reset();
}

void UdpBackend::describe(overlay::DaemonStatus& s) const {
  s.device = kUdpDevice;
  s.port = config_.port;
  for (const auto& r : routes_.load()->routes()) s.peers.push_back({r.subnet, r.next_hop.ip, r.next_hop.port});
  s.udp = overlay::UdpStatus{to_string(options_.dataplane), overlay::snapshot(counters_), std::nullopt, {}};
  if (socket_) s.udp->buffers = {socket_->rcvbuf(), socket_->sndbuf(), true};
  if (options_.dataplane == Dataplane::fast) {
    s.udp->offloads = offloads_;
    if (gso_socket_) {
      s.udp->offloads->udp_gso = gso_socket_->gso_on();  // EIO turns it off
      s.udp->buffers = {gso_socket_->features().rcvbuf, gso_socket_->features().sndbuf, false};
    }
  }
}

}  // namespace ovl::daemon
