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

// Flannel's vxlan BackendData: {"VNI":1,"VtepMAC":"52:17:43:ba:2e:56"};
// before v0.13.1 VtepMAC alone, and VNI is then 1. Returns the sentence
// saying what is wrong, or "" with out filled in.
std::string read_vxlan(const Json& data, VxlanBackendData& out) {
  if (!data.is_object()) return "\"BackendData\" is not an object";
  auto mac = data.find("VtepMAC");
  if (mac == data.end() || !mac->is_string()) return "\"BackendData\" has no \"VtepMAC\" string";
  auto parsed = net::Mac::parse(mac->get<std::string>());
  if (!parsed) return "\"VtepMAC\" " + mac->dump() + " is not a MAC address";
  out.vtep_mac = *parsed;
  auto vni = data.find("VNI");
  if (vni == data.end() || vni->is_null()) return "";
  if (!vni->is_number_unsigned() || vni->get<uint64_t>() >= (1u << 24))
    return "\"VNI\" " + vni->dump() + " is not a VNI";
  out.vni = vni->get<uint32_t>();
  return "";
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
  root["PublicIPv6"] = nullptr;  // a pointer without omitempty in Flannel: always there
  if (!attrs.backend_type.empty()) root["BackendType"] = attrs.backend_type;
  if (attrs.vxlan) root["BackendData"] = Json{{"VNI", attrs.vxlan->vni}, {"VtepMAC", attrs.vxlan->vtep_mac.str()}};
  return root.dump();
}

// As Go's encoding/json into Flannel's LeaseAttrs: unknown keys and
// PublicIPv6 (the lab is IPv4 only) are ignored; a field of the wrong type
// fails the whole value. A missing PublicIP would decode as 0.0.0.0, an
// address no packet can be sent to, so it is refused here.
LeaseAttrs attrs_from_json(std::string_view json) {
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) fail("is not a JSON object", json);
  LeaseAttrs attrs;
  auto ip = root.find("PublicIP");
  if (ip == root.end()) fail("\"PublicIP\" is missing", json);
  if (!ip->is_string()) fail("\"PublicIP\" " + ip->dump() + " is not a string", json);
  auto parsed = net::Ipv4::parse(ip->get<std::string>());
  if (!parsed) fail("\"PublicIP\" " + ip->dump() + " is not an IPv4 address", json);
  attrs.public_ip = *parsed;
  auto type = root.find("BackendType");
  if (type != root.end() && !type->is_null()) {
    if (!type->is_string()) fail("\"BackendType\" " + type->dump() + " is not a string", json);
    attrs.backend_type = type->get<std::string>();
  }
  auto data = root.find("BackendData");
  if (attrs.backend_type == "vxlan" && data != root.end() && !data->is_null()) {
    VxlanBackendData vxlan;
    attrs.backend_data_problem = read_vxlan(*data, vxlan);
    if (attrs.backend_data_problem.empty()) attrs.vxlan = vxlan;
  }
  return attrs;
}

std::string backend_type_text(const LeaseAttrs& attrs) {
  return attrs.backend_type.empty() ? "none" : attrs.backend_type;
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
