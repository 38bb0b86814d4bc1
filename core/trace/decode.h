// Decoding a sighting into its header stack, outer first: Ethernet, IPv4,
// UDP, the udp backend's inner IPv4 (UDP to the overlay port carries one
// IPv4 packet), VXLAN and its inner Ethernet, ICMP (an error with the header
// it quotes), TCP. Each layer keeps its fields for JSON and a one-line
// summary for tables and diagrams. While decoding, the packet is matched
// against the probe: which leg it belongs to and what it is ("SYN", "echo
// reply", ...).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"
#include "core/scenario/model.h"
#include "core/trace/sighting.h"

namespace ovl::trace {

struct Layer {
  std::string proto;             // "eth", "ipv4", "udp", "vxlan", "icmp", "tcp"
  nlohmann::ordered_json fields;  // proto-specific, JSON-ready
  std::string summary;           // "IPv4 100.96.1.2 > 100.96.2.3 ttl 63"
  // Where the layer sits in the captured bytes: its header (ICMP: the whole
  // message, payload included), as Wireshark highlights it.
  size_t offset = 0, length = 0;
};

// What identifies our probe inside any packet, whatever NAT did to it on
// the way: ICMP and UDP payloads start with the nonce, and TCP segments
// carry sequence numbers counted from the client's initial one.
struct ProbeKey {
  scenario::ProbeKind kind = scenario::ProbeKind::icmp;
  uint16_t id = 0, seq = 0;      // ICMP echo
  std::vector<std::byte> nonce;  // the first bytes of the ICMP or UDP payload
  net::Ipv4 src;                 // the source as sent, before any NAT
  net::Ipv4 dst;                 // where the probe was sent
  uint16_t sport = 0, dport = 0; // TCP and UDP, as sent
  std::optional<uint32_t> isn;   // TCP: the client's initial sequence number
  uint32_t size = 0;             // TCP: bytes sent after the handshake
};

enum class Leg { request, reply };
const char* to_string(Leg leg);

// "echo reply", "net unreachable", "fragmentation needed", ...
const char* icmp_name(uint8_t type, uint8_t code);

// "SYN", "SYN-ACK", "RST-ACK", "PSH-ACK", ...
std::string tcp_flag_names(uint8_t flags);

struct Decoded {
  std::vector<Layer> layers;
  // Set when the packet is the probe, its answer, or an ICMP error quoting
  // the probe; label then says which packet of the exchange it is.
  std::optional<Leg> leg;
  std::string label;
  // The matched packet is a fragment starting this many bytes into its
  // datagram (its other fragments are matched by IP id, trace.h).
  std::optional<int> fragment_offset;
  // The further datagrams of a UDP GSO super-packet, each one inner packet
  // of the udp backend: overlayd hands the kernel several datagrams in one
  // send (UDP_SEGMENT) and a veth carries them as one skb, so the capture
  // sees them in one sighting. Each holds the outer layers and its own.
  std::vector<Decoded> also;
};

struct DecodeOptions {
  uint16_t udp_port = 8285;    // UDP payload to/from this port is an inner IPv4 packet
  uint16_t vxlan_port = 8472;  // UDP to this port is VXLAN
};

// cut: the capture kept only the start of the packet (its snap length), so
// lengths in headers may run past the bytes.
Decoded decode(net::Bytes bytes, LinkType link, const ProbeKey& key, const DecodeOptions& options = {},
               bool cut = false);

// The outermost and innermost IPv4 layers' fields, if any.
const Layer* outer_ipv4(const std::vector<Layer>& layers);
const Layer* inner_ipv4(const std::vector<Layer>& layers);
const Layer* first(const std::vector<Layer>& layers, const std::string& proto);
const Layer* last(const std::vector<Layer>& layers, const std::string& proto);

}  // namespace ovl::trace
