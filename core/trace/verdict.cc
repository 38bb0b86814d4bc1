#include "core/trace/verdict.h"

#include "core/trace/explain.h"

namespace ovl::trace {
namespace {

int field(const Layer* l, const char* name) { return l && l->fields.contains(name) ? l->fields[name].get<int>() : 0; }

std::string ip_text(const Layer* l, const char* name) {
  return l && l->fields.contains(name) ? l->fields[name].get<std::string>() : "";
}

const Hop* last_of(const Trace& t, size_t packet) {
  const Hop* found = nullptr;
  for (const auto& h : t.hops)
    if (h.packet == packet) found = &h;
  return found;
}

const Hop* first_of(const Trace& t, size_t packet) {
  for (const auto& h : t.hops)
    if (h.packet == packet) return &h;
  return nullptr;
}

bool named(const Trace& t, const std::string& prefix, size_t& packet) {
  for (size_t i = 0; i < t.packets.size(); ++i)
    if (t.packets[i].name.rfind(prefix, 0) == 0) {
      packet = i;
      return true;
    }
  return false;
}

// "flannel0, whose MTU is 1472": the link host's route to dst leaves by.
std::string next_link(const Snapshot& s, const std::string& host, const std::string& dst, int mtu) {
  auto h = s.hosts.find(host);
  auto ip = net::Ipv4::parse(dst);
  const RouteEntry* r = h == s.hosts.end() || !ip ? nullptr : lookup_route(h->second, *ip);
  return (r ? r->dev + ", the link its route to " + dst + " leaves by," : "the next link") + " has MTU " +
         std::to_string(mtu);
}

// A router's "fragmentation needed": who sent it, and the MTU it names.
bool frag_needed(Trace& t, const Snapshot& s) {
  for (const auto& h : t.hops) {
    const Layer* icmp = last(h.layers, "icmp");
    if (!icmp || h.leg != Leg::reply || !icmp->fields.contains("mtu") || !icmp->fields.contains("quoted")) continue;
    int mtu = icmp->fields["mtu"], len = icmp->fields["quoted"]["len"];
    const std::string& host = first_of(t, h.packet)->host;
    t.mtu = mtu;
    t.why = host + " could not pass the " + std::to_string(len) + "-byte packet on: its DF bit is set and " +
            next_link(s, host, icmp->fields["quoted"]["dst"], mtu) + ", so " + host +
            " dropped it and answered with ICMP fragmentation needed (mtu " + std::to_string(mtu) + ")";
    return true;
  }
  return false;
}

// A SYN answered by RST; an RST after a completed handshake is another story.
bool refused(Trace& t) {
  size_t rst = 0, syn_ack = 0;
  if (!named(t, "RST", rst) || named(t, "SYN-ACK", syn_ack)) return false;
  t.why = "port " + std::to_string(t.spec.port) + " on " + t.to + " is closed: " + first_of(t, rst)->host +
          "'s kernel answered the SYN with RST because no socket listens there" +
          (t.spec.listen ? "" : " (listen=\"false\": overlaylab opened none)");
  return true;
}

// The biggest request packet that never reached the destination, dropped
// by a wire that carries less than the interface it left.
bool black_hole(Trace& t, const Snapshot& s) {
  const Hop* worst = nullptr;
  int worst_len = 0;
  for (size_t p = 0; p < t.packets.size(); ++p) {
    const Hop* h = last_of(t, p);
    if (!h || t.packets[p].leg != Leg::request || h->dir != Direction::out) continue;
    auto wire = s.wires.find(h->name());
    int len = field(outer_ipv4(h->layers), "len");
    if (wire != s.wires.end() && wire->second.mtu && len > wire->second.mtu && len > worst_len) worst = h, worst_len = len;
  }
  if (!worst) return false;
  const Wire& wire = s.wires.at(worst->name());
  const Hop& sent = t.hops.front();
  auto src = s.hosts.find(sent.host);
  const LinkEntry* link = src == s.hosts.end() ? nullptr : src->second.link(sent.iface);
  std::string pod = link && link->mtu ? sent.host + "'s MTU " + std::to_string(link->mtu) : "the sender's MTU";
  t.mtu = wire.mtu;
  t.why = "a black hole: " + pod + " lets a " + std::to_string(worst_len) + "-byte packet leave " + worst->name() +
          ", but segment " + wire.segment + " carries at most " + std::to_string(wire.mtu) +
          " bytes, so the frame was dropped on the wire, where nothing sends an ICMP error, and no sender learns to "
          "send less";
  return true;
}

// The request arrived, but the answer has no route to its source.
bool no_route_back(Trace& t, const Snapshot& s) {
  const Hop* h = t.last(Leg::request);
  if (!h || h->dir != Direction::in || t.last(Leg::reply)) return false;
  auto host = s.hosts.find(h->host);
  const Layer* ip = inner_ipv4(h->layers);
  auto src = net::Ipv4::parse(ip_text(ip, "src"));
  auto dst = net::Ipv4::parse(ip_text(ip, "dst"));
  if (host == s.hosts.end() || !src || !dst || !host->second.owns(*dst) || lookup_route(host->second, *src)) return false;
  t.why = h->host + " received the request but has no route back to its source " + src->str() +
          (*src == t.src ? ", which nothing on the way masqueraded: the overlay's addresses mean nothing outside the "
                           "cluster, so the answer is never sent"
                         : ", so the answer is never sent");
  return true;
}

}  // namespace

void judge(Trace& t, const Snapshot& s) {
  if (!t.why.empty() || t.reply) return;
  frag_needed(t, s) || refused(t) || black_hole(t, s) || no_route_back(t, s);
}

std::optional<int> captured_reply_ttl(const Trace& t) {
  for (const auto& h : t.hops)
    if (h.leg == Leg::reply && h.host == t.from && h.dir == Direction::in)
      if (const Layer* ip = inner_ipv4(h.layers)) return field(ip, "ttl");
  return std::nullopt;
}

}  // namespace ovl::trace
