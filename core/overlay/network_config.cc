// Flannel's config JSON and the defaults and checks of its
// pkg/subnet/config.go (CheckNetworkConfig), IPv4 only.
#include "core/overlay/network_config.h"

#include <nlohmann/json.hpp>

namespace ovl::overlay {
namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& why) { throw ConfigError("network config: " + why); }

uint16_t default_port(const std::string& backend_type) {
  if (backend_type == "udp") return 8285;
  if (backend_type == "vxlan") return 8472;
  return 0;  // host-gw has no port
}

uint32_t subnet_size(int subnet_len) { return uint32_t(1) << (32 - subnet_len); }

// SubnetLen from the network size when absent, then the range checks.
void check_subnet_len(NetworkConfig& c, bool given) {
  int prefix = c.network.len();
  if (!given) {
    if (prefix > 28) fail("network " + c.network.str() + " is too small: the smallest useful network is a /28");
    c.subnet_len = prefix <= 22 ? 24 : prefix + 2;
    return;
  }
  if (c.subnet_len > 30) fail("SubnetLen " + std::to_string(c.subnet_len) + " must be less than /31");
  if (c.subnet_len < prefix + 2)
    fail("SubnetLen " + std::to_string(c.subnet_len) + " leaves room for fewer than four subnets in " +
         c.network.str() + " (use at least " + std::to_string(prefix + 2) + ")");
}

void check_bound(const NetworkConfig& c, const char* name, net::Ipv4 bound) {
  if (!c.network.contains(bound))
    fail(std::string(name) + " " + bound.str() + " is not in the network " + c.network.str());
  if (net::Cidr(bound, c.subnet_len).has_host_bits())
    fail(std::string(name) + " " + bound.str() + " is not on a /" + std::to_string(c.subnet_len) +
         " boundary");
}

// The part of CheckNetworkConfig after parsing; min/max_given say whether
// SubnetMin/SubnetMax came from the JSON.
void apply_defaults(NetworkConfig& c, bool len_given, bool min_given, bool max_given) {
  if (c.network.has_host_bits())
    fail("Network " + c.network.str() + " has host bits set (did you mean " + c.network.canonical().str() +
         "?)");
  check_subnet_len(c, len_given);
  uint32_t size = subnet_size(c.subnet_len);
  if (!min_given) c.subnet_min = c.network.network() + size;
  if (!max_given) c.subnet_max = net::Ipv4(c.network.broadcast().value() - size + 1);
  check_bound(c, "SubnetMin", c.subnet_min);
  check_bound(c, "SubnetMax", c.subnet_max);
  if (c.subnet_min > c.subnet_max)
    fail("SubnetMin " + c.subnet_min.str() + " is above SubnetMax " + c.subnet_max.str());
  if (c.backend_type != "udp" && c.backend_type != "vxlan" && c.backend_type != "host-gw")
    fail("unknown backend type \"" + c.backend_type + "\" (expected udp, vxlan or host-gw)");
  if (c.port == 0) c.port = default_port(c.backend_type);
}

template <typename T>
T get_field(const Json& object, const char* key, const char* what) {
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(std::string("\"") + key + "\" must be " + what);
  }
}

net::Ipv4 get_address(const Json& object, const char* key) {
  auto ip = net::Ipv4::parse(get_field<std::string>(object, key, "an IPv4 address"));
  if (!ip) fail(std::string("\"") + key + "\" must be an IPv4 address");
  return *ip;
}

void read_backend(const Json& root, NetworkConfig& c) {
  if (!root.contains("Backend") || root["Backend"].is_null()) return;  // Flannel: udp
  const Json& backend = root["Backend"];
  if (!backend.is_object()) fail("\"Backend\" must be an object");
  if (!backend.contains("Type")) fail("Backend \"Type\" is missing (udp, vxlan or host-gw)");
  c.backend_type = get_field<std::string>(backend, "Type", "a string");
  if (backend.contains("Port")) {
    int port = get_field<int>(backend, "Port", "a port number");
    if (port < 1 || port > 65535) fail("Backend \"Port\" " + std::to_string(port) + " is not a port number");
    c.port = uint16_t(port);
  }
  if (backend.contains("VNI")) {
    int64_t vni = get_field<int64_t>(backend, "VNI", "a number");
    if (vni < 0 || vni >= (1 << 24)) fail("Backend \"VNI\" " + std::to_string(vni) + " is not a 24-bit number");
    c.vni = uint32_t(vni);
  }
}

Json parse_object(std::string_view json) {
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) fail("not valid JSON: " + std::string(json.substr(0, 80)));
  if (!root.is_object()) fail("expected a JSON object");
  if (!root.contains("Network")) fail("\"Network\" is missing");
  return root;
}

}  // namespace

NetworkConfig parse_network_config(std::string_view json) {
  Json root = parse_object(json);
  NetworkConfig c;
  auto network = net::Cidr::parse(get_field<std::string>(root, "Network", "a CIDR such as 100.96.0.0/16"));
  if (!network) fail("\"Network\" must be a CIDR such as 100.96.0.0/16");
  c.network = *network;
  c.port = 0;
  // Flannel reads SubnetLen 0 as absent.
  if (root.contains("SubnetLen") && !root["SubnetLen"].is_null())
    c.subnet_len = get_field<int>(root, "SubnetLen", "a prefix length");
  else
    c.subnet_len = 0;
  bool len_given = c.subnet_len != 0;
  bool min_given = root.contains("SubnetMin"), max_given = root.contains("SubnetMax");
  if (min_given) c.subnet_min = get_address(root, "SubnetMin");
  if (max_given) c.subnet_max = get_address(root, "SubnetMax");
  read_backend(root, c);
  apply_defaults(c, len_given, min_given, max_given);
  return c;
}

std::string to_json(const NetworkConfig& config) {
  Json root;
  root["Network"] = config.network.str();
  root["SubnetLen"] = config.subnet_len;
  net::SubnetRange defaults{config.network, config.subnet_len};
  if (config.subnet_min != defaults.min()) root["SubnetMin"] = config.subnet_min.str();
  if (config.subnet_max != defaults.max()) root["SubnetMax"] = config.subnet_max.str();
  Json backend;
  backend["Type"] = config.backend_type;
  if (config.backend_type != "host-gw") backend["Port"] = config.port;
  if (config.backend_type == "vxlan") backend["VNI"] = config.vni;
  root["Backend"] = backend;
  return root.dump();
}

NetworkConfig make_network_config(net::Cidr network, int subnet_len, std::string backend_type,
                                  uint16_t port, uint32_t vni) {
  NetworkConfig c;
  c.network = network;
  c.subnet_len = subnet_len;
  c.backend_type = std::move(backend_type);
  c.port = port;
  c.vni = vni;
  apply_defaults(c, subnet_len != 0, false, false);
  return c;
}

}  // namespace ovl::overlay
