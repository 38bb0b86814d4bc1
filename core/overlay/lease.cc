#include "core/overlay/lease.h"

#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace ovl::overlay {
namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& why, std::string_view json) {
  throw std::runtime_error("lease value " + std::string(json.substr(0, 120)) + ": " + why);
}

std::string get_string(const Json& object, const char* key, std::string_view json) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) fail(std::string("\"") + key + "\" is missing or not a string", json);
  return it->get<std::string>();
}

// Flannel's vxlan BackendData: {"VNI":1,"VtepMAC":"52:17:43:ba:2e:56"}.
// Older Flannel versions wrote VtepMAC alone; VNI then defaults to 1.
VxlanBackendData read_vxlan(const Json& data, std::string_view json) {
  if (!data.is_object()) fail("\"BackendData\" is not an object", json);
  VxlanBackendData out;
  auto mac = net::Mac::parse(get_string(data, "VtepMAC", json));
  if (!mac) fail("\"VtepMAC\" is not a MAC address", json);
  out.vtep_mac = *mac;
  auto vni = data.find("VNI");
  if (vni != data.end()) {
    if (!vni->is_number_unsigned()) fail("\"VNI\" is not a number", json);
    out.vni = vni->get<uint32_t>();
  }
  return out;
}

// "KEY=value" lines into the fields of env; unknown keys are ignored.
void read_env_line(std::string_view line, SubnetEnv& env, bool& have_subnet) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return;
  auto key = line.substr(0, eq), value = line.substr(eq + 1);
  if (key == "FLANNEL_SUBNET") {
    auto subnet = net::Cidr::parse(value);
    if (subnet) env.subnet = subnet->canonical();
    have_subnet = subnet.has_value();
  } else if (key == "FLANNEL_NETWORK") {
    if (auto network = net::Cidr::parse(value)) env.network = *network;
  } else if (key == "FLANNEL_MTU") {
    int mtu = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), mtu);
    if (ec == std::errc() && end == value.data() + value.size()) env.mtu = mtu;
  } else if (key == "FLANNEL_IPMASQ") {
    env.ip_masq = value == "true";
  }
}

}  // namespace

std::string attrs_to_json(const LeaseAttrs& attrs) {
  Json root;
  root["PublicIP"] = attrs.public_ip.str();
  root["BackendType"] = attrs.backend_type;
  if (attrs.vxlan) {
    Json data;
    data["VNI"] = attrs.vxlan->vni;
    data["VtepMAC"] = attrs.vxlan->vtep_mac.str();
    root["BackendData"] = data;
  }
  return root.dump();
}

LeaseAttrs attrs_from_json(std::string_view json) {
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) fail("is not a JSON object", json);
  LeaseAttrs attrs;
  auto ip = net::Ipv4::parse(get_string(root, "PublicIP", json));
  if (!ip) fail("\"PublicIP\" is not an IPv4 address", json);
  attrs.public_ip = *ip;
  attrs.backend_type = get_string(root, "BackendType", json);
  auto data = root.find("BackendData");
  if (attrs.backend_type == "vxlan" && data != root.end() && !data->is_null())
    attrs.vxlan = read_vxlan(*data, json);
  return attrs;
}

std::string format_subnet_env(const SubnetEnv& env) {
  return "FLANNEL_NETWORK=" + env.network.str() + "\n" +
         "FLANNEL_SUBNET=" + env.subnet.host(1).str() + "\n" +
         "FLANNEL_MTU=" + std::to_string(env.mtu) + "\n" +
         "FLANNEL_IPMASQ=" + (env.ip_masq ? "true" : "false") + "\n";
}

std::optional<SubnetEnv> parse_subnet_env(std::string_view text) {
  SubnetEnv env;
  bool have_subnet = false;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    read_env_line(line, env, have_subnet);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  if (!have_subnet) return std::nullopt;
  return env;
}

}  // namespace ovl::overlay
