// Explaining NAT at a hop: which rule of the host's postrouting nat chains
// decided about a packet leaving it (a RETURN that keeps the source, or a
// masquerade that rewrote it), and the conntrack entry that remembers the
// rewrite and undoes it for the answers.
#pragma once

#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::trace {

// The first rule that matches a packet from src to dst (lab packets carry
// no mark), or nullptr when none does or one cannot be evaluated.
const NatRule* first_nat_rule(const std::vector<NatRule>& rules, net::Ipv4 src, net::Ipv4 dst);

// A packet captured leaving host (after postrouting): sets d.nat and
// d.conntrack when host has nat rules.
void explain_nat_out(const HostState& host, const Hop& hop, Decision& d);

// A packet arriving at one of host's addresses: true, with d.nat and
// d.conntrack set, when it answers a masqueraded flow and conntrack hands
// it on to the address that flow really came from.
bool explain_nat_in(const HostState& host, const Hop& hop, Decision& d);

}  // namespace ovl::trace
