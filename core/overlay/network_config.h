// Flannel's network configuration, the value of <prefix>/config:
//   {"Network":"100.96.0.0/16","SubnetLen":24,"Backend":{"Type":"udp","Port":8285}}
// with the defaults Flannel fills in (pkg/subnet/config.go).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/net/ipv4.h"
#include "core/net/subnet_range.h"

namespace ovl::overlay {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NetworkConfig {
  net::Cidr network;
  int subnet_len = 24;
  net::Ipv4 subnet_min, subnet_max;  // first and last leasable subnet
  std::string backend_type = "udp";  // "udp", "vxlan" or "host-gw"
  uint16_t port = 8285;              // udp 8285, vxlan 8472 unless Backend.Port says otherwise
  uint32_t vni = 1;                  // vxlan only

  // SubnetMin..SubnetMax: what Flannel leases, and keeps leased.
  net::SubnetRange range() const { return net::SubnetRange{network, subnet_len, subnet_min, subnet_max}; }
};

// Parses the JSON and applies Flannel's defaults and checks (SubnetLen from
// the network size, SubnetMin/SubnetMax, Backend.Type "udp" when absent).
// Throws ConfigError naming the problem.
NetworkConfig parse_network_config(std::string_view json);

// The JSON as Flannel's documentation writes it: Network, SubnetLen and
// Backend {Type, Port} (plus VNI for vxlan); SubnetMin/Max only when they
// differ from the defaults.
std::string to_json(const NetworkConfig& config);

// The config a scenario's <overlay> describes.
NetworkConfig make_network_config(net::Cidr network, int subnet_len, std::string backend_type,
                                  uint16_t port, uint32_t vni);

}  // namespace ovl::overlay
