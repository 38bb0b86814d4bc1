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
    : config_(config), external_(external), device_(vxlan_device_name(config.vni)),
      peers_(net_, device_, config.port) {}

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

void VxlanBackend::describe(overlay::DaemonStatus& s) const {
  s.device = device_;
  s.port = config_.port;
  s.vxlan = overlay::VxlanStatus{config_.vni, vtep_mac_, device_history_};
  peers_.describe(s);
}

}  // namespace ovl::daemon
