#include "core/trace/expect.h"

namespace ovl::trace {

bool hop_matches(const std::string& pattern, const Hop& hop) {
  auto name = hop.name();
  if (!pattern.empty() && pattern.back() == '*')
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return name == pattern;
}

bool hop_matches(const scenario::ExpectHop& expected, const Hop& hop) {
  if (!hop_matches(expected.at, hop)) return false;
  if (!expected.src) return true;
  const Layer* ip = inner_ipv4(hop.layers);
  return ip && ip->fields["src"] == expected.src->str();
}

HopCheck check_hops(const std::vector<std::string>& expected, const Trace& trace) {
  std::vector<scenario::ExpectHop> hops;
  for (const auto& at : expected) hops.push_back({at, {}});
  return check_hops(hops, trace);
}

HopCheck check_hops(const std::vector<scenario::ExpectHop>& expected, const Trace& trace) {
  HopCheck check;
  size_t at = 0;  // next trace hop to look at
  for (const auto& hop : expected) {
    std::string want = hop.at + (hop.src ? " src " + hop.src->str() : "");
    size_t found = at;
    while (found < trace.hops.size() && !hop_matches(hop, trace.hops[found])) ++found;
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
    for (const auto& h : trace.hops) anywhere = anywhere || hop_matches(hop, h);
    check.diff += "  MISSING  " + want + "  (not seen after " + after + (anywhere ? "; it appears earlier" : "") + ")\n";
  }
  return check;
}

namespace {

std::vector<std::string> check_one(const scenario::Expect& x, const Trace& trace) {
  std::vector<std::string> problems;
  bool want_reply = x.reply.value_or(true);
  if (want_reply != trace.reply)
    problems.push_back(want_reply ? "expected a reply, got none" : "expected no reply, but one arrived");
  if (x.ttl && trace.reply && trace.ttl != x.ttl)
    problems.push_back("expected ttl=" + std::to_string(*x.ttl) + ", got ttl=" +
                       (trace.ttl ? std::to_string(*trace.ttl) : std::string("none")));
  if (x.hops.empty()) return problems;
  auto hop_check = check_hops(x.hops, trace);
  if (!hop_check.ok) problems.push_back("the path differs from <expect>:\n" + hop_check.diff);
  return problems;
}

}  // namespace

std::vector<std::string> check_expectations(const std::vector<scenario::Expect>& expects, const Trace& trace) {
  std::vector<std::string> problems;
  bool named = false;
  for (const auto& x : expects) {
    if (x.probe != trace.probe) continue;
    named = true;
    for (auto& p : check_one(x, trace)) problems.push_back(std::move(p));
  }
  if (!named && !trace.reply) problems.push_back("no reply (" + trace.outcome + ")");
  return problems;
}

}  // namespace ovl::trace
