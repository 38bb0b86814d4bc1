#include "core/lab/hosts.h"

#include "core/scenario/names.h"

namespace ovl::lab {

std::optional<HostIface> primary_iface(const scenario::Scenario& s, const std::string& lab,
                                       const std::string& host) {
  auto ns = scenario::netns_name(lab, host);
  if (auto* node = s.find_node(host)) return HostIface{ns, node->iface};
  if (auto* router = s.find_router(host)) return HostIface{ns, router->attaches.at(0).iface};
  if (s.node_of(host)) return HostIface{ns, std::string(scenario::kContainerIface)};
  if (auto* external = s.find_external(host)) return HostIface{ns, external->iface};
  return std::nullopt;
}

}  // namespace ovl::lab
