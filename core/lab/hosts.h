// Where a lab host lives: its namespace and the interface that carries the
// address other hosts reach it on.
#pragma once

#include <optional>
#include <string>

#include "core/scenario/model.h"

namespace ovl::lab {

struct HostIface {
  std::string ns;
  std::string iface;
};

// nullopt when host is not in the scenario. Containers answer on eth0, nodes
// and external hosts on their underlay interface, routers on their first leg.
std::optional<HostIface> primary_iface(const scenario::Scenario& s, const std::string& lab,
                                       const std::string& host);

}  // namespace ovl::lab
