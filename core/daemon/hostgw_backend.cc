#include "core/daemon/hostgw_backend.h"

#include "core/os/rtnl.h"

namespace ovl::daemon {

std::string hostgw_unreachable(const net::Cidr& peer_subnet, net::Ipv4 peer_ip, const std::string& iface,
                               const net::Cidr& segment) {
  if (segment.contains(peer_ip)) return "";
  return "host-gw cannot reach " + peer_subnet.str() + ": its node " + peer_ip.str() + " is not on " + iface +
         "'s segment " + segment.str() + "; host-gw needs every node on one L2 segment (use udp or vxlan)";
}

HostGwBackend::HostGwBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external)
    : config_(config), external_(external) {}

HostGwBackend::~HostGwBackend() = default;

os::Rtnl& HostGwBackend::rtnl() {
  if (!rtnl_) rtnl_ = std::make_unique<os::Rtnl>();
  return *rtnl_;
}

overlay::LeaseAttrs HostGwBackend::prepare() {
  if (external_.public_ip != external_.ip)
    throw std::runtime_error("host-gw: the public IP " + external_.public_ip.str() + " differs from " +
                             external_.name + "'s address " + external_.ip.str() +
                             ", so this node is probably behind NAT, which host-gw does not support");
  bool found = false;
  for (const auto& a : rtnl().addresses())
    if (a.dev == external_.name && a.address.addr() == external_.ip) {
      segment_ = a.address.canonical();
      found = true;
    }
  if (!found)
    throw std::runtime_error("host-gw: " + external_.name + " has no address " + external_.ip.str() +
                             " to find its segment from");
  return overlay::LeaseAttrs{external_.public_ip, "host-gw", std::nullopt};
}

void HostGwBackend::skip(const overlay::Lease& peer, const std::string& why) {
  remove_peer(peer.subnet);
  skipped_[peer.subnet] = {peer, why};
  throw overlay::PeerSkipped(why);
}

void HostGwBackend::add_peer(const overlay::Lease& peer) {
  if (peer.attrs.backend_type != "host-gw")
    skip(peer, "host-gw ignores " + peer.subnet.str() + ": the lease of node " + peer.attrs.public_ip.str() +
                   " has backend type " + peer.attrs.backend_type + "; every node must run the host-gw backend");
  if (auto why = hostgw_unreachable(peer.subnet, peer.attrs.public_ip, external_.name, segment_); !why.empty())
    skip(peer, why);
  skipped_.erase(peer.subnet);
  // Replace, not add: a restarted daemon finds its routes still there, and a
  // peer that moved to another address needs its route changed (Flannel
  // deletes the differing route and adds the new one).
  rtnl().replace_route(os::RouteSpec{peer.subnet, peer.attrs.public_ip, external_.name, false});
  peers_[peer.subnet] = peer;
}

void HostGwBackend::remove_peer(const net::Cidr& subnet) {
  skipped_.erase(subnet);
  auto it = peers_.find(subnet);
  if (it == peers_.end()) return;
  os::RouteSpec route{subnet, it->second.attrs.public_ip, external_.name, false};
  os::unless_missing([&] { rtnl().delete_route(route); });
  peers_.erase(it);
}

nlohmann::json HostGwBackend::status() const {
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& [subnet, p] : peers_)
    peers.push_back({{"subnet", subnet.str()}, {"public_ip", p.attrs.public_ip.str()}, {"via", external_.name}});
  for (const auto& [subnet, skipped] : skipped_)
    peers.push_back({{"subnet", subnet.str()}, {"public_ip", skipped.first.attrs.public_ip.str()},
                     {"problem", skipped.second}});
  return {{"device", external_.name}, {"segment", segment_.str()}, {"peers", peers}};
}

}  // namespace ovl::daemon
