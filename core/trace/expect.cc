#include "core/trace/expect.h"

namespace ovl::trace {

bool hop_matches(const std::string& pattern, const Hop& hop) {
  auto name = hop.name();
  if (!pattern.empty() && pattern.back() == '*')
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return name == pattern;
}

HopCheck check_hops(const std::vector<std::string>& expected, const Trace& trace) {
  HopCheck check;
  size_t at = 0;  // next trace hop to look at
  for (const auto& want : expected) {
    size_t found = at;
    while (found < trace.hops.size() && !hop_matches(want, trace.hops[found])) ++found;
    if (found < trace.hops.size()) {
      const Hop& h = trace.hops[found];
      check.diff += "  ok       " + want + "  (hop " + std::to_string(h.seq) + ", " + to_string(h.dir) + ", " +
                    to_string(h.leg) + ")\n";
      at = found + 1;
      continue;
    }
    check.ok = false;
    std::string after = at == 0 ? "the start" : "hop " + std::to_string(trace.hops[at - 1].seq) + " (" +
                                                    trace.hops[at - 1].name() + ")";
    bool anywhere = false;
    for (const auto& h : trace.hops) anywhere = anywhere || hop_matches(want, h);
    check.diff += "  MISSING  " + want + "  (not seen after " + after + (anywhere ? "; it appears earlier" : "") + ")\n";
  }
  return check;
}

}  // namespace ovl::trace
