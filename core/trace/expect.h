// Checking a scenario's <expect>s against a probe's trace: the reply, the
// reply's ttl, and the hop list, whose hops must appear in that order (others
// may come between); "node1:veth*" matches any interface starting with
// "veth", and a hop with src= only where the probe's packet carries that
// source address. A hop list that does not match is explained hop by hop.
#pragma once

#include <string>
#include <vector>

#include "core/scenario/model.h"
#include "core/trace/trace.h"

namespace ovl::trace {

struct HopCheck {
  bool ok = true;
  std::string diff;  // one line per expected hop: "  ok  node1:flannel0  (hop 4, out)"
};

HopCheck check_hops(const std::vector<scenario::ExpectHop>& expected, const Trace& trace);
HopCheck check_hops(const std::vector<std::string>& expected, const Trace& trace);

// What the <expect>s naming trace.probe find wrong, one problem each (a hop
// list's with its diff); empty when all hold. A missing reply= means a reply
// is expected, and so does a probe that no <expect> names.
std::vector<std::string> check_expectations(const std::vector<scenario::Expect>& expects, const Trace& trace);

bool hop_matches(const std::string& pattern, const Hop& hop);
bool hop_matches(const scenario::ExpectHop& expected, const Hop& hop);

}  // namespace ovl::trace
