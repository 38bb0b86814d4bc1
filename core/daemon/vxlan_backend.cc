#include "core/daemon/vxlan_backend.h"

#include <random>

#include "core/os/rtnl.h"

namespace ovl::daemon {
namespace {

// Flannel's mac.NewHardwareAddr: random, locally administered, unicast. Set
// by the daemon rather than left to the kernel so that it is the MAC the
// lease was built from whatever udev's MAC policy would do.
net::Mac random_vtep_mac() {
  std::random_device rd;
  std::array<uint8_t, 6> b;
  for (auto& byte : b) byte = uint8_t(rd());
  b[0] = uint8_t((b[0] & 0xfe) | 0x02);
  return net::Mac(b);
}

// Flannel's vxlanLinksIncompat: what would make an existing device unusable.
// Empty when it can be reused as it is.
std::string incompatibility(const os::VxlanSpec& have, const os::VxlanSpec& want) {
  if (have.vni != want.vni) return "vni " + std::to_string(have.vni) + " vs " + std::to_string(want.vni);
  if (!have.dev.empty() && have.dev != want.dev) return "external interface " + have.dev + " vs " + want.dev;
  if (have.local != net::Ipv4() && have.local != want.local)
    return "local address " + have.local.str() + " vs " + want.local.str();
  if (have.port && have.port != want.port)
    return "dstport " + std::to_string(have.port) + " vs " + std::to_string(want.port);
  if (!have.mac) return "no MAC address";
  return "";
}

}  // namespace

std::string vxlan_device_name(uint32_t vni) { return "flannel." + std::to_string(vni); }

VxlanBackend::VxlanBackend(const overlay::NetworkConfig& config, const overlay::ExternalIface& external)
    : config_(config), external_(external), device_(vxlan_device_name(config.vni)) {}

VxlanBackend::~VxlanBackend() = default;

os::Rtnl& VxlanBackend::rtnl() {
  if (!rtnl_) rtnl_ = std::make_unique<os::Rtnl>();
  return *rtnl_;
}

overlay::LeaseAttrs VxlanBackend::prepare() {
  ensure_device();
  return overlay::LeaseAttrs{external_.public_ip, "vxlan", overlay::VxlanBackendData{config_.vni, vtep_mac_}};
}

// VXLAN devices are not tied to the process as TUN is: after a restart the
// old flannel.<vni> is still there. Reuse it when it matches (its MAC, and so
// every peer's neighbour and FDB entry, stays valid), else recreate it.
void VxlanBackend::ensure_device() {
  os::VxlanSpec want{device_, config_.vni, external_.ip, external_.name, config_.port, false, mtu(),
                     random_vtep_mac()};
  if (auto have = rtnl().vxlan(device_)) {
    auto why = incompatibility(*have, want);
    if (why.empty()) {
      rtnl().set_mtu(device_, mtu());  // the underlay MTU may have changed
      vtep_mac_ = *have->mac;
      device_history_ = "reused the existing " + device_;
      return;
    }
    rtnl().delete_link(device_);
    device_history_ = "recreated " + device_ + " (the existing one had " + why + ")";
  } else if (rtnl().link(device_)) {
    rtnl().delete_link(device_);
    device_history_ = "recreated " + device_ + " (the existing link was not VXLAN)";
  } else {
    device_history_ = "created " + device_;
  }
  rtnl().add_vxlan(want);
  vtep_mac_ = *want.mac;
}

void VxlanBackend::start(const overlay::Lease& own) {
  // A /32, as Flannel: no connected route or broadcast address; the address
  // only gives host-to-pod traffic a source on the overlay to answer to.
  ensure_address(net::Cidr(own.subnet.network(), 32));
  rtnl().set_up(device_);
}

// Flannel's EnsureV4AddressOnLink: an address left from an earlier lease goes.
void VxlanBackend::ensure_address(net::Cidr address) {
  bool present = false;
  for (const auto& a : rtnl().addresses()) {
    if (a.dev != device_) continue;
    if (a.address == address)
      present = true;
    else
      rtnl().delete_address(device_, a.address);
  }
  if (!present) rtnl().add_address(device_, address);
}

void VxlanBackend::skip(const overlay::Lease& peer, const std::string& why) {
  if (auto it = peers_.find(peer.subnet); it != peers_.end()) {
    unprogram(it->second);
    peers_.erase(it);
  }
  skipped_[peer.subnet] = {peer, why};
  throw overlay::PeerSkipped(why);
}

void VxlanBackend::add_peer(const overlay::Lease& peer) {
  if (peer.attrs.backend_type != "vxlan" || !peer.attrs.vxlan)
    skip(peer, "vxlan cannot reach " + peer.subnet.str() + ": the lease of node " + peer.attrs.public_ip.str() +
                   " has backend type " + peer.attrs.backend_type +
                   " and no VXLAN BackendData (VtepMAC); every node must run the vxlan backend");
  skipped_.erase(peer.subnet);
  // A changed lease (a peer that recreated its device has a new VtepMAC):
  // the old FDB entry is keyed by the old MAC and would linger.
  if (auto it = peers_.find(peer.subnet); it != peers_.end() && !(it->second.attrs == peer.attrs))
    unprogram(it->second);
  program(peer);
  peers_[peer.subnet] = peer;
}

void VxlanBackend::program(const overlay::Lease& peer) {
  auto mac = peer.attrs.vxlan->vtep_mac;
  auto peer_ip = peer.attrs.public_ip;
  auto gateway = peer.subnet.network();
  rtnl().add_neighbour(device_, gateway, mac);
  // Entries toward this node under another MAC are from its earlier life
  // (it recreated its device while this daemon was down).
  for (const auto& e : rtnl().fdb(device_))
    if (e.dst == peer_ip && e.mac && *e.mac != mac)
      os::unless_missing([&] { rtnl().delete_fdb(device_, *e.mac, peer_ip); });
  rtnl().add_fdb(device_, mac, peer_ip);
  // Last, as Flannel: until the neighbour exists the kernel would ARP for it.
  rtnl().replace_route(os::RouteSpec{peer.subnet, gateway, device_, true});
}

// Removal is best effort, as Flannel's: an entry that is already gone is fine.
void VxlanBackend::unprogram(const overlay::Lease& peer) {
  auto mac = peer.attrs.vxlan->vtep_mac;
  auto gateway = peer.subnet.network();
  os::unless_missing([&] { rtnl().delete_route(os::RouteSpec{peer.subnet, gateway, device_, true}); });
  os::unless_missing([&] { rtnl().delete_fdb(device_, mac, peer.attrs.public_ip); });
  os::unless_missing([&] { rtnl().delete_neighbour(device_, gateway); });
}

void VxlanBackend::remove_peer(const net::Cidr& subnet) {
  skipped_.erase(subnet);
  auto it = peers_.find(subnet);
  if (it == peers_.end()) return;
  unprogram(it->second);
  peers_.erase(it);
}

nlohmann::json VxlanBackend::status() const {
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& [subnet, p] : peers_)
    peers.push_back({{"subnet", subnet.str()}, {"public_ip", p.attrs.public_ip.str()}, {"port", config_.port},
                     {"vtep_mac", p.attrs.vxlan->vtep_mac.str()}});
  for (const auto& [subnet, skipped] : skipped_)
    peers.push_back({{"subnet", subnet.str()}, {"public_ip", skipped.first.attrs.public_ip.str()},
                     {"port", config_.port}, {"problem", skipped.second}});
  return {{"device", device_}, {"vni", config_.vni}, {"vtep_mac", vtep_mac_.str()}, {"port", config_.port},
          {"device_history", device_history_}, {"peers", peers}};
}

}  // namespace ovl::daemon
