#include "core/trace/explain.h"

#include "core/trace/nat.h"

namespace ovl::trace {
namespace {

std::optional<net::Ipv4> ip_field(const Layer* layer, const char* name) {
  if (!layer || !layer->fields.contains(name)) return std::nullopt;
  return net::Ipv4::parse(layer->fields[name].get<std::string>());
}

std::optional<net::Mac> mac_field(const Layer* layer, const char* name) {
  if (!layer || !layer->fields.contains(name)) return std::nullopt;
  return net::Mac::parse(layer->fields[name].get<std::string>());
}

// The overlay's UDP layer when this hop carries encapsulated traffic.
const Layer* overlay_udp(const Hop& hop, uint16_t port) {
  const Layer* udp = first(hop.layers, "udp");
  if (!udp) return nullptr;
  return udp->fields["dport"] == port || udp->fields["sport"] == port ? udp : nullptr;
}

std::string neighbour_text(const NeighEntry& n) {
  return n.ip.str() + " dev " + n.dev + (n.mac ? " lladdr " + n.mac->str() : "") + " " + n.state;
}

std::string fdb_text(const FdbEntry& f) {
  std::string out = f.mac.str() + " dev " + f.dev;
  if (f.dst) out += " dst " + f.dst->str();
  if (!f.master.empty()) out += " master " + f.master;
  if (f.self) out += " self";
  out += f.permanent ? " permanent" : "";
  return out;
}

// "the route 100.96.0.0/16", or "the default route".
std::string route_name(const RouteEntry& r) {
  return r.dst.len() == 0 ? "the default route" : "the route " + r.dst.str();
}

// A clause made the start of a sentence, ended with a full stop.
std::string sentence(std::string clause) {
  if (!clause.empty() && clause[0] >= 'a' && clause[0] <= 'z') clause[0] = char(clause[0] - 'a' + 'A');
  return clause + ".";
}

class Explainer {
 public:
  Explainer(const Snapshot& s) : s_(s) {}

  std::optional<Decision> run(const Hop& hop) {
    auto it = s_.hosts.find(hop.host);
    if (it == s_.hosts.end()) return std::nullopt;
    host_ = &it->second;
    name_ = hop.host;
    Decision d;
    const LinkEntry* link = host_->link(hop.iface);
    bool port = link && !link->master.empty();
    if (link && link->kind == "tun")
      tun(hop, d);
    else if (port)
      bridge(hop, *link, d);
    else if (hop.dir == Direction::out)
      routed(hop, link, d);
    else
      arrived(hop, d);
    if (d.empty()) return std::nullopt;
    return d;
  }

 private:
  // Sets the route (and with_neighbour, the neighbour and VXLAN FDB entries
  // it led to) and returns them as a clause of the hop's sentence.
  std::string route(net::Ipv4 dst, Decision& d, bool with_neighbour) {
    const RouteEntry* r = lookup_route(*host_, dst);
    if (!r) {
      d.route = "no route to " + dst.str();
      return name_ + " has no route to " + dst.str() + ", so its kernel drops the packet";
    }
    d.route = route_get(*host_, dst, *r);
    d.matched = format_route(*r);
    std::string clause = route_name(*r) + " sends " + dst.str() +
                         (r->via ? " to the gateway " + r->via->str() + " on " : " out of ") + r->dev;
    if (!with_neighbour) return clause;
    net::Ipv4 next = r->via.value_or(dst);
    for (const auto& n : host_->neighbours) {
      if (n.dev != r->dev || n.ip != next) continue;
      d.neighbour = neighbour_text(n);
      if (!n.mac) continue;
      clause += ", to the MAC " + n.mac->str() + " the neighbour table holds for " + next.str();
      if (const FdbEntry* f = vxlan_fdb(r->dev, *n.mac, d))
        clause += ", and the FDB sends that MAC to " + f->dst->str();
    }
    return clause;
  }

  const FdbEntry* vxlan_fdb(const std::string& dev, net::Mac mac, Decision& d) {
    const FdbEntry* found = nullptr;
    for (const auto& f : host_->fdb)
      if (f.dev == dev && f.mac == mac && f.dst) {
        d.fdb = fdb_text(f);
        found = &f;
      }
    return found;
  }

  // Who is on the user-space side of a hop: the process /proc found holding
  // the device or socket, else the daemon the lab expects there.
  std::string who(std::string DaemonState::*holder) const {
    if (!host_->daemon) return "overlayd";
    const auto& found = (*host_->daemon).*holder;
    return found.empty() ? host_->daemon->name : found;
  }

  void tun(const Hop& hop, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    std::string reader = who(&DaemonState::tun_holder);
    d.process = reader;
    if (hop.dir == Direction::in) {
      d.userspace = "TUN write";
      d.encap = reader + " writes the inner packet into " + hop.iface + " (user space -> kernel)";
      d.sentence = sentence("from user space, " + reader + " writes the inner packet into " + hop.iface + ", and " +
                            name_ + "'s kernel routes it as if it had arrived on " + hop.iface);
      return;
    }
    d.userspace = "TUN read";
    std::string clause = dst ? route(*dst, d, false) : "the packet goes out of " + hop.iface;
    explain_nat_out(*host_, hop, d);
    std::string nat = d.nat.empty() ? "" : "; " + d.nat;
    if (!host_->daemon || !dst) {
      d.sentence = sentence(clause + nat);
      return;
    }
    std::string from = host_->daemon->peers_from_store ? " (as the store holds it)" : "";
    for (const auto& p : host_->daemon->peers)
      if (p.subnet.contains(*dst)) {
        d.lease = p.subnet.str() + " -> " + p.public_ip.str() + ":" + std::to_string(p.port);
        d.encap = reader + " reads it from " + hop.iface + " (kernel -> user space), finds the lease of " +
                  p.subnet.str() + from + " and sends it inside UDP to " + p.public_ip.str() + ":" +
                  std::to_string(p.port);
        d.sentence = sentence(clause + ", where " + reader + " reads it (kernel -> user space) and finds the lease " +
                              d.lease + from + nat);
        return;
      }
    d.lease = "none covers " + dst->str();
    d.encap = reader + " reads it from " + hop.iface + "; no lease covers " + dst->str() + from +
              ", so it answers with ICMP net unreachable";
    d.sentence = sentence(clause + ", where " + reader + " reads it, finds no lease for it" + from +
                          " and answers with ICMP net unreachable" + nat);
  }

  void bridge(const Hop& hop, const LinkEntry& link, Decision& d) {
    auto dst = mac_field(first(hop.layers, "eth"), "dst");
    const LinkEntry* br = host_->link(link.master);
    if (hop.dir == Direction::in) {
      if (dst && br && br->mac == dst) {
        d.bridge = "bridge " + link.master + ": frame for the bridge's own address, passed up to IP";
        d.sentence = sentence("the frame is addressed to " + link.master + "'s own MAC, so bridge " + link.master +
                              " passes it up to " + name_ + "'s IP layer");
      } else {
        d.bridge = "bridge " + link.master + " switches the frame";
        d.sentence = sentence("bridge " + link.master + " switches the frame on by its destination MAC");
      }
      return;
    }
    for (const auto& f : host_->fdb)
      if (dst && f.mac == *dst && f.master == link.master) {
        d.bridge = "bridge " + link.master + " forwards it to " + f.dev;
        d.fdb = fdb_text(f);
        d.sentence = sentence("bridge " + link.master + "'s FDB has " + f.mac.str() + " on port " + f.dev +
                              ", so the frame goes out there");
        return;
      }
    d.bridge = "bridge " + link.master + " floods it (no FDB entry for its destination)";
    d.sentence = sentence("bridge " + link.master + " has no FDB entry for the frame's destination and floods it");
  }

  void routed(const Hop& hop, const LinkEntry* link, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    bool arp = link && link->kind != "tun";
    if (!dst) return;
    std::string clause = route(*dst, d, arp);
    explain_nat_out(*host_, hop, d);
    if (!d.nat.empty()) clause += "; " + d.nat;
    const Layer* udp = overlay_udp(hop, s_.overlay_port);
    if (udp && first(hop.layers, "vxlan")) {
      d.encap = "the kernel's VXLAN device wrapped the frame (VNI " +
                first(hop.layers, "vxlan")->fields["vni"].dump() + ") in UDP to port " + std::to_string(s_.overlay_port);
      clause = d.encap + "; " + clause;
    } else if (udp && host_->daemon && udp->fields["sport"] == s_.overlay_port) {
      d.userspace = "UDP send";
      std::string sender = d.process = who(&DaemonState::socket_holder);
      d.encap = sender + " sent it from its socket on port " + std::to_string(s_.overlay_port) +
                " (user space -> kernel)";
      clause = "from user space, " + sender + " sends the datagram to the kernel; " + clause;
    }
    d.sentence = sentence(clause);
  }

  void arrived(const Hop& hop, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    if (!dst) return;
    bool mine = host_->owns(*dst);
    if (mine && explain_nat_in(*host_, hop, d)) {
      d.sentence = sentence(d.nat);
      return;
    }
    const Layer* udp = overlay_udp(hop, s_.overlay_port);
    if (mine && udp && first(hop.layers, "vxlan")) {
      d.encap = "UDP port " + std::to_string(s_.overlay_port) +
                " belongs to the VXLAN device, which strips the outer headers (VNI " +
                first(hop.layers, "vxlan")->fields["vni"].dump() + ")";
      d.sentence = sentence(d.encap);
    } else if (mine && udp && host_->daemon && udp->fields["dport"] == s_.overlay_port) {
      d.userspace = "UDP receive";
      std::string receiver = d.process = who(&DaemonState::socket_holder);
      d.encap = "the kernel hands the datagram to the socket " + receiver + " holds on port " +
                std::to_string(s_.overlay_port) + " (kernel -> user space)";
      d.sentence = sentence("UDP port " + std::to_string(s_.overlay_port) + " belongs to " + receiver +
                            ": the kernel hands it the datagram (kernel -> user space)");
    } else if (mine) {
      d.local = "delivered: " + dst->str() + " is this host's address";
      d.sentence = sentence(dst->str() + " is one of " + name_ + "'s addresses, so the packet is delivered here");
    } else {
      d.local = "not for this host: forwarded (ip_forward=1), the next hop shows the route";
      d.sentence = sentence(dst->str() + " is not one of " + name_ + "'s addresses, so " + name_ +
                            " forwards it (ip_forward=1); the next hop shows the route");
    }
  }

  const Snapshot& s_;
  const HostState* host_ = nullptr;
  std::string name_;  // the hop's host
};

}  // namespace

const RouteEntry* lookup_route(const HostState& host, net::Ipv4 dst) {
  const RouteEntry* best = nullptr;
  for (const auto& r : host.routes)
    if (r.dst.contains(dst) && (!best || r.dst.len() > best->dst.len())) best = &r;
  return best;
}

std::string route_get(const HostState& host, net::Ipv4 dst, const RouteEntry& route) {
  std::string out = dst.str();
  if (route.via) out += " via " + route.via->str();
  out += " dev " + route.dev;
  auto src = route.src;
  for (const auto& a : host.addrs)
    if (!src && a.dev == route.dev) src = a.addr.addr();
  if (src) out += " src " + src->str();
  return out;
}

void explain(Trace& trace, const Snapshot& snapshot) {
  Explainer e(snapshot);
  for (auto& hop : trace.hops) hop.decision = e.run(hop);
}

}  // namespace ovl::trace
