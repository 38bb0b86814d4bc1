#include "core/overlay/peers.h"

namespace ovl::overlay {

const Lease* PeerBook::find(const net::Cidr& subnet) const {
  auto it = served_.find(subnet);
  return it == served_.end() ? nullptr : &it->second;
}

void PeerBook::serve(const Lease& peer) {
  skipped_.erase(peer.subnet);
  served_[peer.subnet] = peer;
}

std::optional<Lease> PeerBook::forget(const net::Cidr& subnet) {
  skipped_.erase(subnet);
  auto it = served_.find(subnet);
  if (it == served_.end()) return std::nullopt;
  Lease gone = it->second;
  served_.erase(it);
  return gone;
}

void PeerBook::skip(const Lease& peer, const std::string& why) {
  skipped_[peer.subnet] = {peer, why};
  throw PeerSkipped(why);
}

void PeerBook::describe(DaemonStatus& s, const std::function<void(const Lease&, PeerStatus&)>& fill) const {
  for (const auto& [subnet, lease] : served_) {
    PeerStatus p;
    p.subnet = subnet;
    p.public_ip = lease.attrs.public_ip;
    fill(lease, p);
    s.peers.push_back(p);
  }
  for (const auto& [subnet, skipped] : skipped_) {
    PeerStatus p;
    p.subnet = subnet;
    p.public_ip = skipped.first.attrs.public_ip;
    fill(skipped.first, p);
    p.vtep_mac.reset();
    p.via.clear();
    p.problem = skipped.second;
    s.peers.push_back(p);
  }
}

VxlanPeers::VxlanPeers(scenario::NetworkOps& net, std::string device, uint16_t port)
    : net_(net), device_(std::move(device)), port_(port) {}

void VxlanPeers::add(const Lease& peer) {
  if (peer.attrs.backend_type != "vxlan" || !peer.attrs.vxlan) {
    remove(peer.subnet);
    std::string data = peer.attrs.backend_data_problem.empty()
                           ? "no VXLAN BackendData (VtepMAC)"
                           : "a BackendData that cannot be read (" + peer.attrs.backend_data_problem + ")";
    book_.skip(peer, "vxlan cannot reach " + peer.subnet.str() + ": the lease of node " +
                         peer.attrs.public_ip.str() + " has backend type " + backend_type_text(peer.attrs) +
                         " and " + data + "; every node must run the vxlan backend");
  }
  // A changed lease (a peer that recreated its device has a new VtepMAC):
  // the old FDB entry is keyed by the old MAC and would linger.
  if (auto* known = book_.find(peer.subnet); known && !(known->attrs == peer.attrs)) unprogram(*known);
  program(peer);
  book_.serve(peer);
}

void VxlanPeers::program(const Lease& peer) {
  auto mac = peer.attrs.vxlan->vtep_mac;
  auto peer_ip = peer.attrs.public_ip;
  auto gateway = peer.subnet.network();
  net_.apply(scenario::AddNeighbour{"", device_, gateway, mac});
  // Entries toward this node under another MAC are from its earlier life
  // (it recreated its device while this daemon was down).
  for (const auto& e : net_.fdb("", device_))
    if (e.dst == peer_ip && e.mac != mac) net_.apply(scenario::DeleteFdb{"", device_, e.mac, peer_ip});
  net_.apply(scenario::AddFdb{"", device_, mac, peer_ip});
  // Last, as Flannel: until the neighbour exists the kernel would ARP for it.
  net_.apply(scenario::AddRoute{"", peer.subnet, gateway, device_, true, true});
}

// Removal is best effort, as Flannel's: an entry that is already gone is fine.
void VxlanPeers::unprogram(const Lease& peer) {
  auto gateway = peer.subnet.network();
  net_.apply(scenario::DeleteRoute{"", peer.subnet, gateway, device_, true});
  net_.apply(scenario::DeleteFdb{"", device_, peer.attrs.vxlan->vtep_mac, peer.attrs.public_ip});
  net_.apply(scenario::DeleteNeighbour{"", device_, gateway});
}

void VxlanPeers::remove(const net::Cidr& subnet) {
  if (auto gone = book_.forget(subnet)) unprogram(*gone);
}

void VxlanPeers::describe(DaemonStatus& s) const {
  book_.describe(s, [this](const Lease& lease, PeerStatus& p) {
    p.port = port_;
    if (lease.attrs.vxlan) p.vtep_mac = lease.attrs.vxlan->vtep_mac;
  });
}

std::string hostgw_unreachable(const net::Cidr& peer_subnet, net::Ipv4 peer_ip, const std::string& iface,
                               const net::Cidr& segment) {
  if (segment.contains(peer_ip)) return "";
  return "host-gw cannot reach " + peer_subnet.str() + ": its node " + peer_ip.str() + " is not on " + iface +
         "'s segment " + segment.str() + "; host-gw needs every node on one L2 segment (use udp or vxlan)";
}

HostGwPeers::HostGwPeers(scenario::NetworkOps& net, std::string iface, net::Cidr segment)
    : net_(net), iface_(std::move(iface)), segment_(segment) {}

void HostGwPeers::add(const Lease& peer) {
  std::string why;
  if (peer.attrs.backend_type != "host-gw")
    why = "host-gw ignores " + peer.subnet.str() + ": the lease of node " + peer.attrs.public_ip.str() +
          " has backend type " + backend_type_text(peer.attrs) + "; every node must run the host-gw backend";
  else
    why = hostgw_unreachable(peer.subnet, peer.attrs.public_ip, iface_, segment_);
  if (!why.empty()) {
    remove(peer.subnet);
    book_.skip(peer, why);
  }
  // Replace, not add: a restarted daemon finds its routes still there, and a
  // peer that moved to another address needs its route changed (Flannel
  // deletes the differing route and adds the new one).
  net_.apply(scenario::AddRoute{"", peer.subnet, peer.attrs.public_ip, iface_, false, true});
  book_.serve(peer);
}

void HostGwPeers::remove(const net::Cidr& subnet) {
  if (auto gone = book_.forget(subnet))
    net_.apply(scenario::DeleteRoute{"", subnet, gone->attrs.public_ip, iface_, false});
}

void HostGwPeers::describe(DaemonStatus& s) const {
  book_.describe(s, [this](const Lease&, PeerStatus& p) { p.via = iface_; });
}

}  // namespace ovl::overlay
