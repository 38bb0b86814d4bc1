// Scenarios made to order, for labs too big to write by hand: N nodes with C
// containers each on one segment, subnets pinned in order, and one probe
// from the first node's first container to the last node's last one.
#pragma once

#include <cstddef>
#include <string>

#include "core/scenario/model.h"

namespace ovl::scenario {

struct GenerateOptions {
  size_t nodes = 2;
  size_t containers = 1;  // per node
  Backend backend = Backend::udp;
  Store store = Store::local;
  std::string name;  // the lab name; "" for gen-<nodes>
};

// One segment holds at most this many nodes (a bridge port each; 1023 at most).
inline constexpr size_t kGenerateNodesMax = 1000;

// The scenario as XML text. The overlay network is the smallest of
// 100.96.0.0/16, 100.96.0.0/12 and 10.0.0.0/8 that holds the nodes' /24s.
// Throws std::invalid_argument for a size it cannot make (0 nodes, more
// than kGenerateNodesMax, more containers than a /24 holds).
std::string generate_scenario(const GenerateOptions& options);

}  // namespace ovl::scenario
