// Flannel's ip-masq rules as nft commands: what flanneld's nftables traffic
// manager (pkg/trafficmngr/nftables, Flannel v0.25+) installs once a node
// holds its lease, in the order it installs them. Traffic that stays inside
// the overlay returns untouched; traffic from the overlay to anywhere else
// (multicast aside) leaves with the node's own address (masquerade), so a
// host outside the cluster, which has no route to the overlay, can answer.
#pragma once

#include <string>
#include <vector>

#include "core/net/ipv4.h"

namespace ovl::scenario {

inline constexpr const char* kMasqTable = "flannel-ipv4";
inline constexpr const char* kMasqChain = "postrtg";

// The commands for cluster network `network` on the node whose lease is
// `pod` (its pod subnet): tables, the nat chain postrtg and its six rules,
// the forward chain and its two rules. Each is one `nft` command.
std::vector<std::string> masquerade_commands(net::Cidr network, net::Cidr pod);

}  // namespace ovl::scenario
