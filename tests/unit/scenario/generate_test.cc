// Generated scenarios validate at every size the generator makes, pick a
// network big enough for their nodes, and refuse sizes they cannot make.
#include "core/scenario/generate.h"

#include <gtest/gtest.h>

#include "core/scenario/validate.h"

namespace ovl::scenario {
namespace {

Loaded generated(size_t nodes, size_t containers, Backend backend = Backend::udp) {
  GenerateOptions o;
  o.nodes = nodes;
  o.containers = containers;
  o.backend = backend;
  return load_text(generate_scenario(o), "generated.xml");
}

TEST(Generate, EverySizeValidates) {
  for (size_t nodes : {1, 2, 50, 254, 255, 1000}) {
    auto loaded = generated(nodes, 2);
    EXPECT_TRUE(loaded.ok()) << nodes << ":\n" << loaded.diags.format();
    EXPECT_EQ(loaded.scenario.nodes.size(), nodes);
    EXPECT_EQ(loaded.scenario.name, "gen-" + std::to_string(nodes));
    ASSERT_EQ(loaded.scenario.probes.size(), 1u);
    EXPECT_EQ(loaded.scenario.probes[0].to, "c" + std::to_string(nodes) + "-2");
  }
}

TEST(Generate, TheNetworkGrowsWithTheNodes) {
  EXPECT_EQ(generated(254, 1).scenario.overlay.network.str(), "100.96.0.0/16");
  EXPECT_EQ(generated(255, 1).scenario.overlay.network.str(), "100.96.0.0/12");
  EXPECT_EQ(generated(1000, 1).scenario.overlay.network.str(), "100.96.0.0/12");
  auto last = generated(1000, 1).scenario.nodes.back();
  EXPECT_EQ(last.subnet->str(), "100.99.232.0/24");  // 1000 /24s above 100.96.0.0
}

TEST(Generate, BackendAndStoreAreTheCallers) {
  GenerateOptions o;
  o.nodes = 3;
  o.backend = Backend::vxlan;
  o.store = Store::etcd;
  o.name = "big-one";
  auto loaded = load_text(generate_scenario(o), "g.xml");
  ASSERT_TRUE(loaded.ok()) << loaded.diags.format();
  EXPECT_EQ(loaded.scenario.overlay.backend, Backend::vxlan);
  EXPECT_EQ(loaded.scenario.overlay.store, Store::etcd);
  EXPECT_EQ(loaded.scenario.name, "big-one");
}

TEST(Generate, RefusesWhatItCannotMake) {
  for (auto [nodes, containers] : {std::pair<size_t, size_t>{0, 1}, {1001, 1}, {2, 0}, {2, 251}}) {
    GenerateOptions o;
    o.nodes = nodes;
    o.containers = containers;
    EXPECT_THROW(generate_scenario(o), std::invalid_argument) << nodes << " " << containers;
  }
}

}  // namespace
}  // namespace ovl::scenario
