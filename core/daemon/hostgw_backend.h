// Flannel's host-gw backend (pkg/backend/hostgw): no device and no
// encapsulation, one route per peer,
//
//   ip route replace <peer subnet> via <peer PublicIP> dev <iface>
//
// so each node is the gateway to its own pods, and the MTU is the underlay's.
// The gateway must be on-link: every node has to sit on the external
// interface's segment. A peer that does not is skipped with a sentence
// saying so (Flannel's RouteAdd would fail with "network is unreachable").
#pragma once

#include <map>
#include <memory>

#include "core/overlay/backend.h"

namespace ovl::os {
class Rtnl;
}  // namespace ovl::os

namespace ovl::daemon {

class HostGwBackend : public overlay::Backend {
 public:
  HostGwBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external);
  ~HostGwBackend() override;

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
  nlohmann::json status() const override;

 private:
  os::Rtnl& rtnl();
  [[noreturn]] void skip(const overlay::Lease& peer, const std::string& why);

  overlay::NetworkConfig config_;
  overlay::ExternalIface external_;
  net::Cidr segment_;  // the external interface's connected subnet
  std::unique_ptr<os::Rtnl> rtnl_;
  std::map<net::Cidr, overlay::Lease> peers_;
  std::map<net::Cidr, std::pair<overlay::Lease, std::string>> skipped_;
};

// The sentence for a peer off this node's segment, or "" when it is on it.
std::string hostgw_unreachable(const net::Cidr& peer_subnet, net::Ipv4 peer_ip, const std::string& iface,
                               const net::Cidr& segment);

}  // namespace ovl::daemon
