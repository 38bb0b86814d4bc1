// Which hosts a trace watches: all of a small lab; of a large one, the
// probe's ends, their nodes and whatever is not a node or a container.
#include <gtest/gtest.h>

#include "core/lab/tracer.h"
#include "core/scenario/generate.h"
#include "core/scenario/validate.h"

namespace ovl::lab {
namespace {

scenario::Scenario generated(size_t nodes) {
  auto loaded = scenario::load_text(scenario::generate_scenario({.nodes = nodes, .containers = 2}), "gen.xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

TEST(Watched, ASmallLabIsWatchedWhole) {
  auto s = generated(kWatchedNodesMax);
  EXPECT_EQ(watched_hosts(s, "c1-1", "c16-2"), s.host_names());
  EXPECT_EQ(watch_note(s, "c1-1", "c16-2"), "");
}

TEST(Watched, ALargeLabIsWatchedAtTheProbesEndsAndTheirNodes) {
  auto s = generated(1000);
  EXPECT_EQ(watched_hosts(s, "c1-1", "c1000-2"), (std::vector<std::string>{"node1", "c1-1", "node1000", "c1000-2"}));
  EXPECT_EQ(watched_hosts(s, "node7", "c7-1"), (std::vector<std::string>{"node7", "c7-1"}));
  EXPECT_EQ(watch_note(s, "c1-1", "c1000-2"),
            "watched: c1-1, c1000-2, their nodes, the routers and hosts outside the cluster; not the other 998 "
            "nodes (a lab of more than 16 nodes)");
}

}  // namespace
}  // namespace ovl::lab
