// A subnet lease as Flannel stores it: key <prefix>/subnets/100.96.1.0-24,
// a JSON value with a TTL of 24 hours. What each backend writes today
// (Flannel v0.15 on; pkg/lease/lease.go LeaseAttrs, fields in struct order,
// PublicIPv6 always present, the rest omitted when empty):
//
//   udp      {"PublicIP":"172.20.33.102","PublicIPv6":null}
//   host-gw  {"PublicIP":"172.20.33.102","PublicIPv6":null,"BackendType":"host-gw"}
//   vxlan    {"PublicIP":"172.20.33.102","PublicIPv6":null,"BackendType":"vxlan",
//             "BackendData":{"VNI":1,"VtepMAC":"52:17:43:ba:2e:56"}}
//
// Flannel's udp backend never sets BackendType. Older releases (the seeds'
// era, v0.7 to v0.14) wrote no PublicIPv6 and, before v0.13.1, a vxlan
// BackendData of {"VtepMAC":"..."} alone; all of these are read.
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
  std::string backend_type;  // "" when absent, as Flannel's udp backend writes it
  std::optional<VxlanBackendData> vxlan;  // BackendData, vxlan only
  // Why a vxlan lease's BackendData could not be read ("" when it could, or
  // is absent): only a vxlan node needs it, so the rest of the value stands.
  std::string backend_data_problem;
  bool operator==(const LeaseAttrs&) const = default;
};

struct Lease {
  net::Cidr subnet;  // canonical, e.g. 100.96.1.0/24
  LeaseAttrs attrs;
  // When the store will drop the lease; the epoch when unknown.
  std::chrono::system_clock::time_point expiration{};
};

// A key under <prefix>/subnets whose value cannot be used as a lease: the
// daemon logs it, counts it in its status and routes nothing by it.
struct UnusableLease {
  std::string key;     // as the store names it: /coreos.com/network/subnets/100.96.9.0-24
  std::string reason;  // one sentence, quoting the value
  bool operator==(const UnusableLease&) const = default;
};

inline constexpr std::chrono::hours kLeaseTtl{24};  // Flannel's subnetTTL
inline constexpr const char* kDefaultPrefix = "/coreos.com/network";

// Flannel's JSON for the attributes, keys in Flannel's order.
std::string attrs_to_json(const LeaseAttrs& attrs);
// Reads any form Flannel has written; unknown keys are ignored. Throws
// std::runtime_error ("lease value <json>: <why>") on a value no backend can
// use: not a JSON object, PublicIP missing or not an IPv4 address,
// BackendType not a string.
LeaseAttrs attrs_from_json(std::string_view json);

// "host-gw", or "none" for a lease without BackendType (Flannel's udp).
std::string backend_type_text(const LeaseAttrs& attrs);

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
