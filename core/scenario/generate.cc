#include "core/scenario/generate.h"

#include <stdexcept>

namespace ovl::scenario {
namespace {

// Room for the network, SubnetMin's reserved first /24 and one per node.
net::Cidr overlay_network(size_t nodes) {
  if (nodes < 255) return *net::Cidr::parse("100.96.0.0/16");
  if (nodes < 4095) return *net::Cidr::parse("100.96.0.0/12");
  return *net::Cidr::parse("10.0.0.0/8");
}

std::string attr(const char* name, const std::string& value) { return std::string(" ") + name + "=\"" + value + "\""; }

}  // namespace

std::string generate_scenario(const GenerateOptions& o) {
  if (o.nodes == 0 || o.nodes > kGenerateNodesMax)
    throw std::invalid_argument("a generated lab has 1 to " + std::to_string(kGenerateNodesMax) + " nodes, not " +
                                std::to_string(o.nodes));
  if (o.containers == 0 || o.containers > 250)
    throw std::invalid_argument("a generated node has 1 to 250 containers (its /24 holds 253), not " +
                                std::to_string(o.containers));
  auto underlay = *net::Cidr::parse("172.16.0.0/16");
  auto network = overlay_network(o.nodes);
  auto name = o.name.empty() ? "gen-" + std::to_string(o.nodes) : o.name;
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<scenario" + attr("name", name) + ">\n";
  x += "  <description>" + std::to_string(o.nodes) + " nodes with " + std::to_string(o.containers) +
       " containers each on one segment, " + to_string(o.backend) + " backend, " + to_string(o.store) +
       " store; made by overlaylab generate.</description>\n";
  x += "  <underlay>\n    <segment" + attr("name", "underlay") + attr("cidr", underlay.str()) + "/>\n  </underlay>\n";
  x += "  <overlay" + attr("network", network.str()) + attr("subnet-len", "24") + attr("backend", to_string(o.backend)) +
       attr("store", to_string(o.store)) + "/>\n";
  for (size_t i = 1; i <= o.nodes; ++i) {
    auto node = "node" + std::to_string(i);
    auto subnet = net::Cidr(network.network() + uint32_t(i << 8), 24);
    x += "  <node" + attr("name", node) + attr("segment", "underlay") + attr("ip", underlay.host(uint32_t(i + 1)).addr().str()) +
         attr("subnet", subnet.str()) + ">\n";
    for (size_t c = 1; c <= o.containers; ++c)
      x += "    <container" + attr("name", "c" + std::to_string(i) + "-" + std::to_string(c)) + "/>\n";
    x += "  </node>\n";
  }
  x += "  <probe" + attr("name", "p1") + attr("from", "c1-1") +
       attr("to", "c" + std::to_string(o.nodes) + "-" + std::to_string(o.containers)) + "/>\n";
  x += "</scenario>\n";
  return x;
}

}  // namespace ovl::scenario
