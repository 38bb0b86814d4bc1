// Flannel's vxlan backend (pkg/backend/vxlan): the kernel encapsulates, the
// daemon only programs it. Before the lease, the VXLAN device flannel.<vni>
// (local = node IP, dev = the external interface, dstport from the config,
// learning off, MTU = underlay MTU - 50); its MAC goes into the lease as
// BackendData {"VNI":1,"VtepMAC":"..."}. After the lease, <lease>/32 on the
// device and link up. For each peer, in Flannel's order:
//
//   ip neigh replace <peer net> lladdr <VtepMAC> nud permanent dev flannel.1
//   bridge fdb replace <VtepMAC> dst <peer PublicIP> self permanent dev flannel.1
//   ip route replace <peer subnet> via <peer net> dev flannel.1 onlink
//
// so the route picks the neighbour, the neighbour gives the inner MAC and the
// FDB entry for that MAC gives the outer destination. Unlike flannel0, the
// device and these entries belong to the namespace, not to the process: they
// outlive the daemon (traffic keeps flowing while it is down), and a new
// daemon reuses a compatible device, so its VtepMAC and its peers' entries
// stay valid.
#pragma once

#include <map>
#include <memory>

#include "core/overlay/backend.h"

namespace ovl::os {
class Rtnl;
}  // namespace ovl::os

namespace ovl::daemon {

// Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 bytes.
inline constexpr int kVxlanOverhead = 50;

class VxlanBackend : public overlay::Backend {
 public:
  VxlanBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external);
  ~VxlanBackend() override;

  std::string type() const override { return "vxlan"; }
  int mtu() const override { return external_.mtu - kVxlanOverhead; }
  overlay::LeaseAttrs prepare() override;
  void start(const overlay::Lease& own) override;
  void add_peer(const overlay::Lease& peer) override;
  void remove_peer(const net::Cidr& subnet) override;
  // Leaves the device and the peers' entries in place, as flanneld does.
  void stop() override {}
  nlohmann::json status() const override;

  const std::string& device() const { return device_; }

 private:
  os::Rtnl& rtnl();
  void ensure_device();
  void ensure_address(net::Cidr address);
  void program(const overlay::Lease& peer);
  void unprogram(const overlay::Lease& peer);
  [[noreturn]] void skip(const overlay::Lease& peer, const std::string& why);

  overlay::NetworkConfig config_;
  overlay::ExternalIface external_;
  std::string device_;
  net::Mac vtep_mac_;
  std::string device_history_;  // created, reused, or recreated and why
  std::unique_ptr<os::Rtnl> rtnl_;
  std::map<net::Cidr, overlay::Lease> peers_;
  std::map<net::Cidr, std::pair<overlay::Lease, std::string>> skipped_;
};

// "flannel.<vni>", Flannel's device name.
std::string vxlan_device_name(uint32_t vni);

}  // namespace ovl::daemon
