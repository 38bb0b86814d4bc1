// Explaining a trace: for each hop, the decision taken there, read from the
// snapshot of that host's tables (the route that matched, as `ip route get`
// prints it; the neighbour and FDB entry used; what a bridge did; the
// daemon's lease entry) and where the packet entered or left user space.
#pragma once

#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::trace {

void explain(Trace& trace, const Snapshot& snapshot);

// Longest-prefix match over the main table, as the kernel's FIB would pick
// for a lab host (one table, no policy rules). nullptr when nothing matches.
const RouteEntry* lookup_route(const HostState& host, net::Ipv4 dst);
// The answer `ip route get dst` gives for that route.
std::string route_get(const HostState& host, net::Ipv4 dst, const RouteEntry& route);

}  // namespace ovl::trace
