// Flannel's vxlan backend (pkg/backend/vxlan): the kernel encapsulates, the
// daemon only programs it. Before the lease, the VXLAN device flannel.<vni>
// (local = node IP, dev = the external interface, dstport from the config,
// learning off, MTU = underlay MTU - 50); its MAC goes into the lease as
// BackendData {"VNI":1,"VtepMAC":"..."}. After the lease, <lease>/32 on the
// device and link up. Each peer gets a neighbour, an FDB entry and a route
// (core/overlay/peers.h).
//
// Unlike flannel0, the device and these entries belong to the namespace, not
// to the process: they outlive the daemon (traffic keeps flowing while it is
// down), and a new daemon reuses a compatible device, so its VtepMAC and its
// peers' entries stay valid.
#pragma once

#include <string>

#include "core/net/packet.h"
#include "core/os/linux_network_ops.h"
#include "core/overlay/backend.h"
#include "core/overlay/peers.h"


namespace ovl::daemon {

class VxlanBackend : public overlay::Backend {
 public:
  VxlanBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external);

  std::string type() const override { return "vxlan"; }
  int mtu() const override { return external_.mtu - net::kVxlanOverhead; }
  overlay::LeaseAttrs prepare() override;
  void start(const overlay::Lease& own) override;
  void add_peer(const overlay::Lease& peer) override { peers_.add(peer); }
  void remove_peer(const net::Cidr& subnet) override { peers_.remove(subnet); }
  // Leaves the device and the peers' entries in place, as flanneld does.
  void stop() override {}
  void describe(overlay::DaemonStatus& status) const override;

  const std::string& device() const { return device_; }

 private:
  os::Rtnl& rtnl() { return net_.rtnl(""); }
  void ensure_device();
  void ensure_address(net::Cidr address);

  overlay::NetworkConfig config_;
  overlay::ExternalIface external_;
  std::string device_;
  net::Mac vtep_mac_;
  std::string device_history_;  // created, reused, or recreated and why
  os::LinuxNetworkOps net_;  // this namespace's, for the device and the peers
  overlay::VxlanPeers peers_;
};

// "flannel.<vni>", Flannel's device name.
std::string vxlan_device_name(uint32_t vni);

}  // namespace ovl::daemon
