#include "core/scenario/names.h"

#include <cstdio>

#include "core/scenario/diagnostics.h"

namespace ovl::scenario {

std::string lab_name_problem(std::string_view name) {
  std::string why;
  if (name.empty())
    why = "it is empty";
  else if (name.size() > kLabNameMax)
    why = "it is " + std::to_string(name.size()) + " bytes";
  else if (auto bad = name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"); bad != name.npos)
    why = "it holds " + quoted(name.substr(bad, 1));
  else if (name.front() == '-')
    why = "it starts with '-'";
  else
    return "";
  return why + "; use 1 to 24 of a-z, 0-9 and '-', starting with a letter or digit";
}

std::string netns_name(std::string_view lab, std::string_view host) {
  return "ovl-" + std::string(lab) + "." + std::string(host);
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
