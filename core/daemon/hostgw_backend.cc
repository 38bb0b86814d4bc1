#include "core/daemon/hostgw_backend.h"

#include "core/os/rtnl.h"

namespace ovl::daemon {

HostGwBackend::HostGwBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external)
    : config_(config), external_(external) {}


overlay::LeaseAttrs HostGwBackend::prepare() {
  if (external_.public_ip != external_.ip)
    throw std::runtime_error("host-gw: the public IP " + external_.public_ip.str() + " differs from " +
                             external_.name + "'s address " + external_.ip.str() +
                             ", so this node is probably behind NAT, which host-gw does not support");
  bool found = false;
  for (const auto& a : net_.rtnl("").addresses())
    if (a.dev == external_.name && a.address.addr() == external_.ip) {
      segment_ = a.address.canonical();
      found = true;
    }
  if (!found)
    throw std::runtime_error("host-gw: " + external_.name + " has no address " + external_.ip.str() +
                             " to find its segment from");
  peers_ = std::make_unique<overlay::HostGwPeers>(net_, external_.name, segment_);
  return overlay::LeaseAttrs{external_.public_ip, "host-gw", std::nullopt};
}

void HostGwBackend::add_peer(const overlay::Lease& peer) { peers_->add(peer); }

void HostGwBackend::remove_peer(const net::Cidr& subnet) { peers_->remove(subnet); }

void HostGwBackend::describe(overlay::DaemonStatus& s) const {
  s.device = external_.name;
  s.segment = segment_;
  if (peers_) peers_->describe(s);
}

}  // namespace ovl::daemon
