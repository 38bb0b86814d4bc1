// Flannel's host-gw backend (pkg/backend/hostgw): no device and no
// encapsulation, one route per peer (core/overlay/peers.h), so each node is
// the gateway to its own pods, and the MTU is the underlay's. The gateway
// must be on-link: every node has to sit on the external interface's segment.
#pragma once

#include <memory>

#include "core/os/linux_network_ops.h"
#include "core/overlay/backend.h"
#include "core/overlay/peers.h"

namespace ovl::daemon {

class HostGwBackend : public overlay::Backend {
 public:
  HostGwBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external);

  std::string type() const override { return "host-gw"; }
  int mtu() const override { return external_.mtu; }
  // Finds the external interface's segment; refuses a PublicIP that is not
  // the interface's own address, as Flannel does (NAT breaks host-gw).
  overlay::LeaseAttrs prepare() override;
  void start(const overlay::Lease&) override {}
  void add_peer(const overlay::Lease& peer) override;
  void remove_peer(const net::Cidr& subnet) override;
  // Leaves the routes in place, as flanneld does.
  void stop() override {}
  void describe(overlay::DaemonStatus& status) const override;

 private:
  overlay::NetworkConfig config_;
  overlay::ExternalIface external_;
  net::Cidr segment_;  // the external interface's connected subnet
  os::LinuxNetworkOps net_;
  std::unique_ptr<overlay::HostGwPeers> peers_;  // once prepare() knows the segment
};

}  // namespace ovl::daemon
