#include "core/scenario/ipmasq.h"

namespace ovl::scenario {
namespace {

// Flannel's addMasqRules, rule by rule; the kube-proxy mark comes first so
// that Kubernetes services keep their own source NAT.
std::vector<std::string> postrouting_rules(const std::string& cluster, const std::string& pod) {
  return {
      "meta mark 0x4000 return",
      "ip saddr " + pod + " ip daddr " + cluster + " return",
      "ip saddr " + cluster + " ip daddr " + pod + " return",
      "ip saddr != " + pod + " ip daddr " + cluster + " return",
      "ip saddr " + cluster + " ip daddr != 224.0.0.0/4 masquerade fully-random",
      "ip saddr != " + cluster + " ip daddr " + cluster + " masquerade fully-random",
  };
}

}  // namespace

std::vector<std::string> masquerade_commands(net::Cidr network, net::Cidr pod) {
  std::string table = std::string("ip ") + kMasqTable, cluster = network.canonical().str();
  std::vector<std::string> out{
      "add table " + table + " { comment \"rules for flannel-ipv4\" ; }",
      // Flannel makes its IPv6 table even on IPv4-only nodes; it stays empty.
      "add table ip6 flannel-ipv6 { comment \"rules for flannel-ipv6\" ; }",
      "add chain " + table + " " + kMasqChain + " { type nat hook postrouting priority srcnat ; comment \"chain to "
      "manage traffic masquerading by flannel\" ; }",
  };
  for (const auto& rule : postrouting_rules(cluster, pod.canonical().str()))
    out.push_back("add rule " + table + " " + kMasqChain + " " + rule);
  out.push_back("add chain " + table + " forward { type filter hook forward priority filter ; comment \"chain to "
                "accept flannel traffic\" ; }");
  out.push_back("add rule " + table + " forward ip saddr " + cluster + " accept");
  out.push_back("add rule " + table + " forward ip daddr " + cluster + " accept");
  return out;
}

}  // namespace ovl::scenario
