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

const Node* Scenario::node_of(std::string_view container) const {
  for (const auto& n : nodes)
    for (const auto& c : n.containers)
      if (c.name == container) return &n;
  return nullptr;
}

bool Scenario::has_host(std::string_view name) const {
  return find_node(name) || find_router(name) || node_of(name);
}

std::vector<std::string> Scenario::host_names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    out.push_back(n.name);
    for (const auto& c : n.containers) out.push_back(c.name);
  }
  for (const auto& r : routers) out.push_back(r.name);
  return out;
}

}  // namespace ovl::scenario
