#include "core/trace/trace.h"

#include <algorithm>

namespace ovl::trace {

bool Decision::empty() const {
  return route.empty() && neighbour.empty() && fdb.empty() && bridge.empty() && lease.empty() && encap.empty() &&
         local.empty() && userspace.empty();
}

std::string Decision::text() const {
  std::string out;
  auto add = [&](const std::string& label, const std::string& value) {
    if (value.empty()) return;
    out += (out.empty() ? "" : "; ") + (label.empty() ? value : label + " " + value);
  };
  add("", userspace);
  add("route", route);
  add("neigh", neighbour);
  add("fdb", fdb);
  add("", bridge);
  add("lease", lease);
  add("", encap);
  add("", local);
  return out;
}

int Trace::crossings(Leg leg) const {
  int n = 0;
  for (const auto& h : hops) n += h.leg == leg && h.decision && !h.decision->userspace.empty();
  return n;
}

const Hop* Trace::last(Leg leg) const {
  const Hop* found = nullptr;
  for (const auto& h : hops)
    if (h.leg == leg) found = &h;
  return found;
}

namespace {

// 0 sorts first among hops that share a timestamp.
int tie_rank(const CapturePoint& p, Direction dir) {
  bool port = !p.master.empty();
  return dir == Direction::in ? (port ? 0 : 1) : (port ? 1 : 0);
}

}  // namespace

Trace build_trace(const Capture& capture, const ProbeKey& key, const DecodeOptions& options) {
  Trace t;
  t.points = capture.points;
  t.dst = key.dst;
  for (const auto& s : capture.sightings) {
    const auto& point = capture.points.at(s.point);
    auto decoded = decode(s.bytes, point.link, key, options);
    if (!decoded.leg) continue;
    Hop h;
    h.t_ns = s.t_ns;
    h.point = s.point;
    h.host = point.host;
    h.iface = point.iface;
    h.dir = s.dir;
    h.leg = *decoded.leg;
    h.link = point.link;
    h.layers = std::move(decoded.layers);
    h.bytes = s.bytes;
    h.wire_len = s.wire_len;
    t.hops.push_back(std::move(h));
  }
  std::stable_sort(t.hops.begin(), t.hops.end(), [&](const Hop& a, const Hop& b) {
    if (a.leg != b.leg) return a.leg == Leg::request;
    if (a.t_ns != b.t_ns) return a.t_ns < b.t_ns;
    int ra = tie_rank(t.points[a.point], a.dir), rb = tie_rank(t.points[b.point], b.dir);
    return ra != rb ? ra < rb : a.point < b.point;
  });
  for (size_t i = 0; i < t.hops.size(); ++i) t.hops[i].seq = int(i + 1);
  return t;
}

}  // namespace ovl::trace
