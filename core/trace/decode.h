// Decoding a sighting into its header stack, outer first: Ethernet, IPv4,
// UDP, the udp backend's inner IPv4 (UDP to the overlay port carries one
// IPv4 packet), VXLAN and its inner Ethernet, ICMP. Each layer keeps its
// fields for JSON and a one-line summary for tables and diagrams.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"
#include "core/trace/sighting.h"

namespace ovl::trace {

struct Layer {
  std::string proto;             // "eth", "ipv4", "udp", "vxlan", "icmp"
  nlohmann::ordered_json fields;  // proto-specific, JSON-ready
  std::string summary;           // "IPv4 100.96.1.2 > 100.96.2.3 ttl 63"
  // Where the layer sits in the captured bytes: its header (ICMP: the whole
  // message, payload included), as Wireshark highlights it.
  size_t offset = 0, length = 0;
};

// What identifies our probe inside any packet.
struct ProbeKey {
  uint16_t id = 0, seq = 0;
  std::vector<std::byte> nonce;  // the first bytes of the echo payload
  net::Ipv4 dst;                 // where the echo request was sent
};

enum class Leg { request, reply };
const char* to_string(Leg leg);

// "echo reply", "net unreachable", "time exceeded", ...
const char* icmp_name(uint8_t type, uint8_t code);

struct Decoded {
  std::vector<Layer> layers;
  // Set when the innermost ICMP is our echo request, its reply, or an ICMP
  // error quoting our echo request.
  std::optional<Leg> leg;
};

struct DecodeOptions {
  uint16_t udp_port = 8285;    // UDP payload to/from this port is an inner IPv4 packet
  uint16_t vxlan_port = 8472;  // UDP to this port is VXLAN
};

Decoded decode(net::Bytes bytes, LinkType link, const ProbeKey& key, const DecodeOptions& options = {});

// The outermost and innermost IPv4 layers' fields, if any.
const Layer* outer_ipv4(const std::vector<Layer>& layers);
const Layer* inner_ipv4(const std::vector<Layer>& layers);
const Layer* first(const std::vector<Layer>& layers, const std::string& proto);

}  // namespace ovl::trace
