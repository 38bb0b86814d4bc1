// The verdict on a probe that got no answer, in one sentence a student can
// repeat: an MTU that stopped it (a router's ICMP "fragmentation needed", or
// a wire that silently drops what does not fit: a black hole), a closed TCP
// port's RST, an answer with no route back. Read from the explained trace
// and the snapshot.
#pragma once

#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::trace {

// Sets trace.why (and trace.mtu when an MTU decided) unless the sender set
// them already or the probe was answered.
void judge(Trace& trace, const Snapshot& snapshot);

// The TTL of the first answer as it arrived at the sender's interface, read
// from the capture: a TCP socket cannot tell it.
std::optional<int> captured_reply_ttl(const Trace& trace);

}  // namespace ovl::trace
