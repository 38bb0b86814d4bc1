// The connections a namespace's conntrack tracks, read from its
// /proc/net/nf_conntrack (what `conntrack -L` lists), without running a tool.
#pragma once

#include <vector>

#include "core/trace/snapshot.h"

namespace ovl::os {

// Empty when the namespace tracks nothing (no NAT rule ever loaded
// conntrack there).
std::vector<trace::ConntrackEntry> conntrack_entries(int netns_fd);

}  // namespace ovl::os
