// Container addresses inside a node's subnet, as Docker's and host-local's
// IPAM hand them out: .1 is the bridge, containers take the file's ip= where
// given and otherwise the first free address from .2 upward, in file order.
#pragma once

#include <optional>
#include <vector>

#include "core/net/ipv4.h"
#include "core/scenario/model.h"

namespace ovl::scenario {

// One address per container of node, in order; nullopt when the subnet is full.
std::optional<std::vector<net::Ipv4>> container_addresses(const Node& node, net::Cidr subnet);

}  // namespace ovl::scenario
