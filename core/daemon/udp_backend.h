// Flannel's udp backend: TUN device flannel0 with address <lease>/<network
// length> (so the kernel routes the whole overlay network to it), MTU =
// underlay MTU - 28, and a forwarder between flannel0 and a UDP socket bound
// to PublicIP:8285, one thread per direction, in one of two data planes:
//
//   simple  Flannel's proxy: one packet per read, sendto, recvfrom, write,
//           and the kernel's default socket buffers (Flannel sets none).
//   fast    (default) TUN offloads and a virtio_net_hdr, super-packets split
//           in user space, recvmmsg/sendmmsg batches, UDP GSO and GRO, TCP
//           segments coalesced before the TUN write, large socket buffers;
//           each feature the kernel lacks falls back alone (logged).
//
// Both put the same bytes on the wire, so they interoperate with each other
// and with Flannel's own udp nodes.
#pragma once

#include <atomic>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/net/packet.h"
#include "core/overlay/backend.h"
#include "core/overlay/forwarder.h"

namespace ovl::os {
class Tun;
class UdpSocket;
class VnetTun;
class GsoUdpSocket;
}  // namespace ovl::os

namespace ovl::daemon {

// The udp backend's two data planes.
enum class Dataplane { simple, fast };
const char* to_string(Dataplane d);
// "simple" or "fast"; nullopt for anything else.
std::optional<Dataplane> parse_dataplane(const std::string& name);

struct UdpOptions {
  Dataplane dataplane = Dataplane::fast;  // overlayd --dataplane
  std::ostream* log = nullptr;            // where the fast path says what it got
};

inline constexpr const char* kUdpDevice = "flannel0";

class UdpBackend : public overlay::Backend {
 public:
  UdpBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external, UdpOptions options = {});
  ~UdpBackend() override;

  std::string type() const override { return "udp"; }
  int mtu() const override { return external_.mtu - net::kUdpOverhead; }
  overlay::LeaseAttrs prepare() override;
  void start(const overlay::Lease& own) override;
  void add_peer(const overlay::Lease& peer) override;
  void remove_peer(const net::Cidr& subnet) override;
  void stop() override;
  void describe(overlay::DaemonStatus& status) const override;

 private:
  void configure_device(const overlay::Lease& own);
  void start_simple(const overlay::Lease& own);
  void start_fast(const overlay::Lease& own);
  void run_fast(net::Ipv4 tun_ip);
  void say(const std::string& message);

  overlay::NetworkConfig config_;
  overlay::ExternalIface external_;
  UdpOptions options_;
  overlay::SharedRouteTable routes_;
  overlay::Counters counters_;
  std::unique_ptr<os::Tun> tun_;
  std::unique_ptr<os::UdpSocket> socket_;
  std::unique_ptr<os::VnetTun> vnet_tun_;
  std::unique_ptr<os::GsoUdpSocket> gso_socket_;
  overlay::Offloads offloads_;
  std::atomic<bool> stopping_{false};
  std::thread outbound_, inbound_;
};

}  // namespace ovl::daemon
