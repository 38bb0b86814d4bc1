#include "core/trace/explain.h"

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

class Explainer {
 public:
  Explainer(const Snapshot& s) : s_(s) {}

  std::optional<Decision> run(const Hop& hop) {
    auto it = s_.hosts.find(hop.host);
    if (it == s_.hosts.end()) return std::nullopt;
    host_ = &it->second;
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
  void route(net::Ipv4 dst, Decision& d, bool with_neighbour) {
    const RouteEntry* r = lookup_route(*host_, dst);
    if (!r) {
      d.route = "no route to " + dst.str();
      return;
    }
    d.route = route_get(*host_, dst, *r);
    d.matched = format_route(*r);
    if (!with_neighbour) return;
    net::Ipv4 next = r->via.value_or(dst);
    for (const auto& n : host_->neighbours)
      if (n.dev == r->dev && n.ip == next) {
        d.neighbour = neighbour_text(n);
        if (n.mac) vxlan_fdb(r->dev, *n.mac, d);
      }
  }

  void vxlan_fdb(const std::string& dev, net::Mac mac, Decision& d) {
    for (const auto& f : host_->fdb)
      if (f.dev == dev && f.mac == mac && f.dst) d.fdb = fdb_text(f);
  }

  void tun(const Hop& hop, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    if (hop.dir == Direction::in) {
      d.userspace = "TUN write";
      d.encap = "overlayd writes the inner packet into " + hop.iface + " (user space -> kernel)";
      return;
    }
    d.userspace = "TUN read";
    if (dst) route(*dst, d, false);
    if (!host_->daemon || !dst) return;
    for (const auto& p : host_->daemon->peers)
      if (p.subnet.contains(*dst)) {
        d.lease = p.subnet.str() + " -> " + p.public_ip.str() + ":" + std::to_string(p.port);
        d.encap = "overlayd reads it from " + hop.iface + " (kernel -> user space), finds the lease of " +
                  p.subnet.str() + " and sends it inside UDP to " + p.public_ip.str() + ":" + std::to_string(p.port);
        return;
      }
    d.lease = "none covers " + dst->str();
    d.encap = "overlayd reads it from " + hop.iface + "; no lease covers " + dst->str() +
              ", so it answers with ICMP net unreachable";
  }

  void bridge(const Hop& hop, const LinkEntry& link, Decision& d) {
    auto dst = mac_field(first(hop.layers, "eth"), "dst");
    const LinkEntry* br = host_->link(link.master);
    if (hop.dir == Direction::in) {
      if (dst && br && br->mac == dst)
        d.bridge = "bridge " + link.master + ": frame for the bridge's own address, passed up to IP";
      else
        d.bridge = "bridge " + link.master + " switches the frame";
      return;
    }
    for (const auto& f : host_->fdb)
      if (dst && f.mac == *dst && f.master == link.master) {
        d.bridge = "bridge " + link.master + " forwards it to " + f.dev;
        d.fdb = fdb_text(f);
        return;
      }
    d.bridge = "bridge " + link.master + " floods it (no FDB entry for its destination)";
  }

  void routed(const Hop& hop, const LinkEntry* link, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    bool arp = link && link->kind != "tun";
    if (dst) route(*dst, d, arp);
    const Layer* udp = overlay_udp(hop, s_.overlay_port);
    if (!udp) return;
    if (first(hop.layers, "vxlan"))
      d.encap = "the kernel's VXLAN device wrapped the frame (VNI " +
                first(hop.layers, "vxlan")->fields["vni"].dump() + ") in UDP to port " + std::to_string(s_.overlay_port);
    else if (host_->daemon && udp->fields["sport"] == s_.overlay_port)
      d.userspace = "UDP send";
  }

  void arrived(const Hop& hop, Decision& d) {
    auto dst = ip_field(outer_ipv4(hop.layers), "dst");
    if (!dst) return;
    bool mine = host_->owns(*dst);
    const Layer* udp = overlay_udp(hop, s_.overlay_port);
    if (mine && udp && first(hop.layers, "vxlan")) {
      d.encap = "UDP port " + std::to_string(s_.overlay_port) +
                " belongs to the VXLAN device, which strips the outer headers (VNI " +
                first(hop.layers, "vxlan")->fields["vni"].dump() + ")";
    } else if (mine && udp && host_->daemon && udp->fields["dport"] == s_.overlay_port) {
      d.userspace = "UDP receive";
      d.encap = "the kernel hands the datagram to overlayd's socket on port " + std::to_string(s_.overlay_port) +
                " (kernel -> user space)";
    } else {
      d.local = mine ? "delivered: " + dst->str() + " is this host's address"
                     : "not for this host: forwarded (ip_forward=1), the next hop shows the route";
    }
  }

  const Snapshot& s_;
  const HostState* host_ = nullptr;
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
