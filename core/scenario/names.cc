#include "core/scenario/names.h"

#include <cstdio>

namespace ovl::scenario {

std::string netns_name(std::string_view lab, std::string_view host) {
  return "ovl-" + std::string(lab) + "-" + std::string(host);
}

std::string fabric_netns_name(std::string_view lab) { return netns_name(lab, kFabricHost); }

std::string fabric_port_name(std::string_view host, std::string_view iface) {
  std::string name = std::string(host) + "-" + std::string(iface);
  if (name.size() <= kIfNameMax) return name;
  return std::string(host.substr(0, 6)) + "-" + short_hash(name);
}

std::string container_veth_name(std::string_view container) {
  std::string name = "veth" + std::string(container);
  if (name.size() <= kIfNameMax) return name;
  return "veth" + short_hash(container);
}

const char* bridge_name(Runtime r) { return r == Runtime::docker ? "docker0" : "cni0"; }

std::string ifname_problem(std::string_view name) {
  if (name.empty()) return "an interface name cannot be empty";
  if (name.size() > kIfNameMax)
    return "'" + std::string(name) + "' is " + std::to_string(name.size()) +
           " bytes; Linux interface names are at most 15";
  if (name == "." || name == "..") return "'" + std::string(name) + "' is not an interface name";
  for (char c : name)
    if (c == '/' || c == ':' || c == '*' || static_cast<unsigned char>(c) <= ' ')
      return "'" + std::string(name) + "' holds a character Linux does not allow in interface names";
  return "";
}

std::string short_hash(std::string_view text) {
  uint32_t h = 2166136261u;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

}  // namespace ovl::scenario
