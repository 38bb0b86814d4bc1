#include "core/trace/snapshot.h"

namespace ovl::trace {

const LinkEntry* HostState::link(const std::string& name) const {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

bool HostState::owns(net::Ipv4 ip) const {
  for (const auto& a : addrs)
    if (a.addr.addr() == ip) return true;
  return false;
}

std::string format_route(const RouteEntry& r) {
  std::string out = r.dst.len() == 0 ? "default" : r.dst.str();
  if (r.via) out += " via " + r.via->str();
  out += " dev " + r.dev;
  if (r.protocol == 2) out += " proto kernel";
  if (r.protocol == 4) out += " proto static";
  if (r.scope == 253) out += " scope link";
  if (r.src) out += " src " + r.src->str();
  if (r.onlink) out += " onlink";
  return out;
}

}  // namespace ovl::trace
