// Checking an <expect>'s hop list against a trace: the listed hops must
// appear in that order (others may come between); "node1:veth*" matches any
// interface starting with "veth". A mismatch is explained hop by hop.
#pragma once

#include <string>
#include <vector>

#include "core/trace/trace.h"

namespace ovl::trace {

struct HopCheck {
  bool ok = true;
  std::string diff;  // one line per expected hop: "  ok  node1:flannel0  (hop 4, out)"
};

HopCheck check_hops(const std::vector<std::string>& expected, const Trace& trace);

bool hop_matches(const std::string& pattern, const Hop& hop);

}  // namespace ovl::trace
