#include "core/scenario/model.h"

namespace ovl::scenario {

uint16_t default_port(Backend b) { return b == Backend::vxlan ? 8472 : 8285; }

const char* to_string(Backend b) {
  switch (b) {
    case Backend::udp: return "udp";
    case Backend::vxlan: return "vxlan";
    case Backend::host_gw: return "host-gw";
  }
  return "?";
}

const char* to_string(ProbeKind k) {
  switch (k) {
    case ProbeKind::icmp: return "icmp";
    case ProbeKind::tcp: return "tcp";
    case ProbeKind::udp: return "udp";
  }
  return "?";
}

// ping's 56 data bytes; port 80 for a TCP handshake as to a web server, 7
// (echo) for a datagram that comes back.
ProbeSpec default_probe_spec(ProbeKind kind) {
  ProbeSpec spec;
  spec.kind = kind;
  spec.port = kind == ProbeKind::tcp ? 80 : kind == ProbeKind::udp ? 7 : 0;
  spec.size = kind == ProbeKind::tcp ? 0 : 56;
  return spec;
}

const char* to_string(Store s) { return s == Store::etcd ? "etcd" : "local"; }

const char* to_string(Runtime r) { return r == Runtime::docker ? "docker" : "cni"; }

const char* to_string(Daemon d) { return d == Daemon::overlayd ? "overlayd" : "external"; }

const char* daemon_name(const Node& node) { return node.external() ? "flanneld (external)" : "overlayd"; }

const Segment* Scenario::find_segment(std::string_view name) const {
  for (const auto& s : segments)
    if (s.name == name) return &s;
  return nullptr;
}

const Node* Scenario::find_node(std::string_view name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

const Router* Scenario::find_router(std::string_view name) const {
  for (const auto& r : routers)
    if (r.name == name) return &r;
  return nullptr;
}

const External* Scenario::find_external(std::string_view name) const {
  for (const auto& e : externals)
    if (e.name == name) return &e;
  return nullptr;
}

int Scenario::iface_mtu(const Node& node) const {
  if (node.mtu) return *node.mtu;
  const Segment* seg = find_segment(node.segment);
  return seg ? seg->mtu : 1500;
}

const Node* Scenario::node_of(std::string_view container) const {
  for (const auto& n : nodes)
    for (const auto& c : n.containers)
      if (c.name == container) return &n;
  return nullptr;
}

bool Scenario::has_host(std::string_view name) const {
  return find_node(name) || find_router(name) || node_of(name) || find_external(name);
}

std::vector<std::string> Scenario::host_names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    out.push_back(n.name);
    for (const auto& c : n.containers) out.push_back(c.name);
  }
  for (const auto& r : routers) out.push_back(r.name);
  for (const auto& e : externals) out.push_back(e.name);
  return out;
}

}  // namespace ovl::scenario
