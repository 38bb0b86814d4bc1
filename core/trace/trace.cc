#include "core/trace/trace.h"

#include <algorithm>
#include <map>
#include <set>

namespace ovl::trace {

bool Decision::empty() const {
  return route.empty() && neighbour.empty() && fdb.empty() && bridge.empty() && lease.empty() && encap.empty() &&
         local.empty() && userspace.empty() && nat.empty() && conntrack.empty();
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
  add("", nat);
  add("conntrack", conntrack);
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

bool cut(const Sighting& s) { return s.wire_len > s.bytes.size(); }

std::string text(const Layer& l, const char* field) {
  return l.fields.contains(field) ? l.fields[field].dump() : "";
}

// Which datagram an IPv4 packet belongs to: all its fragments share this.
std::string datagram_of(const Layer& ip) {
  return text(ip, "src") + ">" + text(ip, "dst") + "/" + text(ip, "protocol") + "/" + text(ip, "id");
}

std::string fragment_label(const std::string& base, int offset) {
  return base + ", fragment at offset " + std::to_string(offset);
}

// The client's SYN as captured before any NAT rewrote its source.
std::optional<uint32_t> find_isn(const Capture& capture, const ProbeKey& key, const DecodeOptions& options) {
  for (const auto& s : capture.sightings) {
    auto d = decode(s.bytes, capture.points.at(s.point).link, key, options, cut(s));
    const Layer* ip = inner_ipv4(d.layers);
    const Layer* tcp = last(d.layers, "tcp");
    if (!ip || !tcp || tcp->fields["flags"] != "SYN") continue;
    if (ip->fields["src"] == key.src.str() && ip->fields["dst"] == key.dst.str() && tcp->fields["sport"] == key.sport &&
        tcp->fields["dport"] == key.dport)
      return tcp->fields["seq"].get<uint32_t>();
  }
  return std::nullopt;
}

Hop make_hop(const Capture& capture, const Sighting& s, Decoded&& decoded, Leg leg) {
  const auto& point = capture.points.at(s.point);
  Hop h;
  h.t_ns = s.t_ns;
  h.point = s.point;
  h.host = point.host;
  h.iface = point.iface;
  h.dir = s.dir;
  h.leg = leg;
  h.link = point.link;
  h.layers = std::move(decoded.layers);
  h.bytes = s.bytes;
  h.wire_len = s.wire_len;
  return h;
}

struct Matched {
  std::vector<Hop> hops;
  std::vector<std::string> labels;  // one per hop
};

// Packets the decoder recognised, then the later fragments of their
// datagrams, which carry no transport header to recognise them by.
Matched match(const Capture& capture, const ProbeKey& key, const DecodeOptions& options) {
  Matched m;
  std::map<std::string, std::pair<Leg, std::string>> datagrams;
  std::vector<std::pair<const Sighting*, Decoded>> later;
  auto take = [&](const Sighting& s, Decoded&& d) {
    const Layer* ip = inner_ipv4(d.layers);
    if (!d.leg) {
      if (ip && ip->fields["frag_offset"] != 0) later.emplace_back(&s, std::move(d));
      return;
    }
    std::string label = d.label;
    if (d.fragment_offset) {
      datagrams[datagram_of(*ip)] = {*d.leg, d.label};
      label = fragment_label(d.label, *d.fragment_offset);
    }
    Leg leg = *d.leg;
    m.hops.push_back(make_hop(capture, s, std::move(d), leg));
    m.labels.push_back(label);
  };
  for (const auto& s : capture.sightings) {
    auto d = decode(s.bytes, capture.points.at(s.point).link, key, options, cut(s));
    auto also = std::move(d.also);
    take(s, std::move(d));
    for (auto& more : also) take(s, std::move(more));
  }
  for (auto& [s, d] : later) {
    const Layer* ip = inner_ipv4(d.layers);
    auto it = datagrams.find(datagram_of(*ip));
    if (it == datagrams.end()) continue;
    int offset = ip->fields["frag_offset"];
    m.hops.push_back(make_hop(capture, *s, std::move(d), it->second.first));
    m.labels.push_back(fragment_label(it->second.second, offset));
  }
  return m;
}

// Gives each hop its packet: the latest packet of that name, unless that
// one was already seen at this point in this direction (then it is a
// retransmission, a packet of its own).
void group(Trace& t, const std::vector<std::string>& labels, const std::vector<size_t>& order) {
  std::vector<std::set<std::pair<size_t, Direction>>> visited;
  std::map<std::pair<std::string, Leg>, size_t> latest;
  for (size_t i : order) {
    Hop& h = t.hops[i];
    auto key = std::make_pair(labels[i], h.leg);
    auto it = latest.find(key);
    if (it == latest.end() || !visited[it->second].insert({h.point, h.dir}).second) {
      latest[key] = t.packets.size();
      t.packets.push_back(Packet{labels[i], h.leg});
      visited.push_back({{h.point, h.dir}});
    }
    h.packet = latest[key];
  }
}

}  // namespace

Trace build_trace(const Capture& capture, ProbeKey key, const DecodeOptions& options) {
  Trace t;
  t.points = capture.points;
  t.src = key.src;
  t.dst = key.dst;
  if (key.kind == scenario::ProbeKind::tcp && !key.isn) key.isn = find_isn(capture, key, options);
  auto matched = match(capture, key, options);
  t.hops = std::move(matched.hops);
  std::vector<size_t> order(t.hops.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const Hop &a = t.hops[x], &b = t.hops[y];
    if (a.t_ns != b.t_ns) return a.t_ns < b.t_ns;
    int ra = tie_rank(t.points[a.point], a.dir), rb = tie_rank(t.points[b.point], b.dir);
    return ra != rb ? ra < rb : a.point < b.point;
  });
  group(t, matched.labels, order);
  std::vector<Hop> sorted;
  for (size_t i : order) sorted.push_back(std::move(t.hops[i]));
  std::stable_sort(sorted.begin(), sorted.end(), [](const Hop& a, const Hop& b) { return a.packet < b.packet; });
  t.hops = std::move(sorted);
  for (size_t i = 0; i < t.hops.size(); ++i) t.hops[i].seq = int(i + 1);
  return t;
}

}  // namespace ovl::trace
