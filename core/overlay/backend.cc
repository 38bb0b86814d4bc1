#include "core/overlay/backend.h"

#include "core/overlay/hostgw_backend.h"
#include "core/overlay/udp_backend.h"
#include "core/overlay/vxlan_backend.h"

namespace ovl::overlay {

const char* to_string(Dataplane d) { return d == Dataplane::simple ? "simple" : "fast"; }

std::optional<Dataplane> parse_dataplane(const std::string& name) {
  if (name == "simple") return Dataplane::simple;
  if (name == "fast") return Dataplane::fast;
  return std::nullopt;
}

std::unique_ptr<Backend> make_backend(const NetworkConfig& config, const ExternalIface& external,
                                      const UdpOptions& udp) {
  if (config.backend_type == "udp") return std::make_unique<UdpBackend>(config, external, udp);
  if (config.backend_type == "vxlan") return std::make_unique<VxlanBackend>(config, external);
  if (config.backend_type == "host-gw") return std::make_unique<HostGwBackend>(config, external);
  throw std::runtime_error("backend type '" + config.backend_type +
                           "' is not supported (udp, vxlan or host-gw)");
}

}  // namespace ovl::overlay
