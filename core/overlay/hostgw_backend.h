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

namespace ovl::overlay {

class HostGwBackend : public Backend {
 public:
  HostGwBackend(const NetworkConfig& config, const ExternalIface& external);
  ~HostGwBackend() override;

  std::string type() const override { return "host-gw"; }
  int mtu() const override { return external_.mtu; }
  // Finds the external interface's segment; refuses a PublicIP that is not
  // the interface's own address, as Flannel does (NAT breaks host-gw).
  LeaseAttrs prepare() override;
  void start(const Lease&) override {}
  void add_peer(const Lease& peer) override;
  void remove_peer(const net::Cidr& subnet) override;
  // Leaves the routes in place, as flanneld does.
  void stop() override {}
  nlohmann::json status() const override;

 private:
  os::Rtnl& rtnl();
  [[noreturn]] void skip(const Lease& peer, const std::string& why);

  NetworkConfig config_;
  ExternalIface external_;
  net::Cidr segment_;  // the external interface's connected subnet
  std::unique_ptr<os::Rtnl> rtnl_;
  std::map<net::Cidr, Lease> peers_;
  std::map<net::Cidr, std::pair<Lease, std::string>> skipped_;
};

// The sentence for a peer off this node's segment, or "" when it is on it.
std::string hostgw_unreachable(const net::Cidr& peer_subnet, net::Ipv4 peer_ip, const std::string& iface,
                               const net::Cidr& segment);

}  // namespace ovl::overlay
