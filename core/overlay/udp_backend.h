// Flannel's udp backend: TUN device flannel0 with address <lease>/<network
// length> (so the kernel routes the whole overlay network to it), MTU =
// underlay MTU - 28, and a forwarder between flannel0 and a UDP socket bound
// to PublicIP:8285, one thread per direction, in one of two data planes:
//
//   simple  Flannel's proxy: one packet per read, sendto, recvfrom, write.
//   fast    (default) TUN offloads and a virtio_net_hdr, super-packets split
//           in user space, recvmmsg/sendmmsg batches, UDP GSO and GRO, TCP
//           segments coalesced before the TUN write, large socket buffers;
//           each feature the kernel lacks falls back alone (logged).
//
// Both put the same bytes on the wire, so they interoperate with each other
// and with Flannel's own udp nodes.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "core/overlay/backend.h"
#include "core/overlay/forwarder.h"

namespace ovl::os {
class Tun;
class UdpSocket;
class VnetTun;
class GsoUdpSocket;
}  // namespace ovl::os

namespace ovl::overlay {

inline constexpr const char* kUdpDevice = "flannel0";
inline constexpr int kUdpOverhead = 28;  // IPv4 + UDP headers

class UdpBackend : public Backend {
 public:
  UdpBackend(const NetworkConfig& config, const ExternalIface& external, UdpOptions options = {});
  ~UdpBackend() override;

  std::string type() const override { return "udp"; }
  int mtu() const override { return external_.mtu - kUdpOverhead; }
  LeaseAttrs prepare() override;
  void start(const Lease& own) override;
  void add_peer(const Lease& peer) override;
  void remove_peer(const net::Cidr& subnet) override;
  void stop() override;
  nlohmann::json status() const override;

 private:
  void configure_device(const Lease& own);
  void start_simple(const Lease& own);
  void start_fast(const Lease& own);
  void run_fast(net::Ipv4 tun_ip);
  void say(const std::string& message);

  NetworkConfig config_;
  ExternalIface external_;
  UdpOptions options_;
  SharedRouteTable routes_;
  Counters counters_;
  std::unique_ptr<os::Tun> tun_;
  std::unique_ptr<os::UdpSocket> socket_;
  std::unique_ptr<os::VnetTun> vnet_tun_;
  std::unique_ptr<os::GsoUdpSocket> gso_socket_;
  nlohmann::json offloads_;
  std::atomic<bool> stopping_{false};
  std::thread outbound_, inbound_;
};

nlohmann::json counters_json(const Counters& counters);

}  // namespace ovl::overlay
