#include "core/daemon/backends.h"

#include "core/daemon/hostgw_backend.h"
#include "core/daemon/vxlan_backend.h"

namespace ovl::daemon {

std::unique_ptr<overlay::Backend> make_backend(const overlay::NetworkConfig& config,
                                               const overlay::ExternalIface& external, const UdpOptions& udp) {
  if (config.backend_type == "udp") return std::make_unique<UdpBackend>(config, external, udp);
  if (config.backend_type == "vxlan") return std::make_unique<VxlanBackend>(config, external);
  if (config.backend_type == "host-gw") return std::make_unique<HostGwBackend>(config, external);
  throw std::runtime_error("backend type '" + config.backend_type + "' is not supported (udp, vxlan or host-gw)");
}

}  // namespace ovl::daemon
