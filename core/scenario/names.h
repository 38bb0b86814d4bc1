// Names of the kernel objects a lab creates, derived from the lab and host
// names so that the same scenario always builds the same names (a short hash
// stands in where a name would not fit in 15 bytes). Nothing here is random
// and nothing is matched by pattern at teardown: the journal says what exists.
#pragma once

#include <string>
#include <string_view>

#include "core/scenario/model.h"

namespace ovl::scenario {

inline constexpr size_t kIfNameMax = 15;  // IFNAMSIZ - 1

// Why name cannot be a lab name ("it holds '_'; use 1 to 24 of ..."), or ""
// when it can. A lab name becomes a directory under the state root, part of
// namespace names and an argument to the supervisor, so every verb that takes
// one applies this rule before using it.
std::string lab_name_problem(std::string_view name);

inline constexpr size_t kLabNameMax = 24;

// ovl-<lab>.<host>: a lab name has no '.', so the first '.' ends it and two
// labs can never name the same namespace (with '-', lab "a-x" host "n1" and
// lab "a" host "x-n1" would).
std::string netns_name(std::string_view lab, std::string_view host);
std::string fabric_netns_name(std::string_view lab);  // ovl-<lab>.fabric
inline constexpr std::string_view kFabricHost = "fabric";

// The bridge that is a segment, inside the fabric namespace: the segment's name.
inline std::string segment_bridge_name(const Segment& s) { return s.name; }
// The fabric end of a host's underlay veth: "<host>-<iface>", or a hash form.
std::string fabric_port_name(std::string_view host, std::string_view iface);
// The node end of a container's veth: "veth<container>", or "veth" + hash.
std::string container_veth_name(std::string_view container);
// The container end of its veth.
inline constexpr std::string_view kContainerIface = "eth0";

const char* bridge_name(Runtime r);  // docker0 or cni0

// Why name cannot be a Linux interface name, or "" when it can.
std::string ifname_problem(std::string_view name);

// 8 hex digits of FNV-1a: short, stable, and only used where a name is long.
std::string short_hash(std::string_view text);

}  // namespace ovl::scenario
