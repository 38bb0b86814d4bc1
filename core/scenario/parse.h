// Scenario XML (format version 1, see scenarios/overlaylab.xsd) to the model.
// Syntax, structure and attribute values are checked here; references between
// elements and address plans are checked by validate().
#pragma once

#include <string>
#include <string_view>

#include "core/scenario/diagnostics.h"
#include "core/scenario/model.h"

namespace ovl::scenario {

// Parses text; every problem goes to diags. The returned model holds what
// could be read; elements with a bad attribute are kept (so references to
// them resolve) and named in Scenario-level checks only where safe.
Scenario parse(std::string_view text, const std::string& file, Diagnostics& diags);

// Limits of a probe's size: one IPv4 packet of ICMP or UDP (65535 - 20 - 8),
// and the largest TCP transfer overlaylab makes after a handshake.
inline constexpr int kMaxDatagramPayload = 65507;
inline constexpr int kMaxTransfer = 16 << 20;
// A probe's payload starts with this many random bytes, by which its
// packets are recognised at every hop.
inline constexpr size_t kNonceBytes = 16;

// Why spec's size cannot be sent (its kind decides the range), or "".
// The CLI's --size meets the same rule as the file's size=.
std::string probe_size_problem(const ProbeSpec& spec);

// Flannel's default subnet length for a network (pkg/subnet/config.go): /24
// when the network is /22 or larger, else the network length + 2.
int default_subnet_len(int network_len);

}  // namespace ovl::scenario
