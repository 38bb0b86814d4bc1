// A subnet lease as Flannel stores it: key <prefix>/subnets/100.96.1.0-24,
// value {"PublicIP":"172.20.33.102","BackendType":"udp"} (vxlan adds
// "BackendData":{"VNI":1,"VtepMAC":"..."}), with a TTL of 24 hours.
// Also subnet.env, the file a node's container runtime reads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/net/ipv4.h"

namespace ovl::overlay {

struct VxlanBackendData {
  uint32_t vni = 1;
  net::Mac vtep_mac;
  bool operator==(const VxlanBackendData&) const = default;
};

struct LeaseAttrs {
  net::Ipv4 public_ip;
  std::string backend_type = "udp";
  std::optional<VxlanBackendData> vxlan;  // BackendData, vxlan only
  bool operator==(const LeaseAttrs&) const = default;
};

struct Lease {
  net::Cidr subnet;  // canonical, e.g. 100.96.1.0/24
  LeaseAttrs attrs;
  // When the store will drop the lease; the epoch when unknown.
  std::chrono::system_clock::time_point expiration{};
};

inline constexpr std::chrono::hours kLeaseTtl{24};  // Flannel's subnetTTL
inline constexpr const char* kDefaultPrefix = "/coreos.com/network";

// Flannel's JSON for the attributes, keys in Flannel's order.
std::string attrs_to_json(const LeaseAttrs& attrs);
// Throws std::runtime_error on JSON that is not a lease value.
LeaseAttrs attrs_from_json(std::string_view json);

// subnet.env, as flanneld writes it:
//   FLANNEL_NETWORK=100.96.0.0/16
//   FLANNEL_SUBNET=100.96.1.1/24
//   FLANNEL_MTU=1472
//   FLANNEL_IPMASQ=false
struct SubnetEnv {
  net::Cidr network;
  net::Cidr subnet;  // the lease; written as its .1 address, as Flannel does
  int mtu = 0;
  bool ip_masq = false;
};
std::string format_subnet_env(const SubnetEnv& env);
// Reads FLANNEL_SUBNET (and the rest when present). The subnet is returned
// as the lease network (100.96.1.0/24). nullopt when FLANNEL_SUBNET is absent
// or unreadable; missing other keys are left at zero values.
std::optional<SubnetEnv> parse_subnet_env(std::string_view text);

}  // namespace ovl::overlay
