#include "core/daemon/host.h"

#include <random>

#include "core/daemon/backends.h"
#include "core/os/rtnl.h"

namespace ovl::daemon {

overlay::DaemonHost linux_daemon_host(const UdpOptions& udp) {
  overlay::DaemonHost host;
  host.external = [](const std::string& iface, std::optional<net::Ipv4> public_ip) {
    os::Rtnl rtnl;
    auto link = rtnl.link(iface);
    if (!link) throw std::runtime_error("interface " + iface + " does not exist (--iface)");
    for (const auto& a : rtnl.addresses())
      if (a.dev == iface) return overlay::ExternalIface{iface, a.address.addr(), public_ip.value_or(a.address.addr()), link->mtu};
    throw std::runtime_error("interface " + iface + " has no IPv4 address");
  };
  host.make_backend = [udp](const overlay::NetworkConfig& config, const overlay::ExternalIface& external) {
    return make_backend(config, external, udp);
  };
  host.pick = [rng = std::make_shared<std::mt19937_64>(std::random_device{}())](size_t n) {
    return size_t((*rng)() % n);
  };
  return host;
}

}  // namespace ovl::daemon
