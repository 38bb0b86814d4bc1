// Lab and namespace names: what may name a lab, and that two labs never
// derive the same namespace name.
#include "core/scenario/names.h"

#include <gtest/gtest.h>

#include "core/scenario/diagnostics.h"

namespace ovl::scenario {
namespace {

TEST(LabName, AcceptsTheScenarioRule) {
  for (auto good : {"two-node", "a", "x1", "0-lab", "abcdefghijklmnopqrstuvwx"}) EXPECT_EQ(lab_name_problem(good), "") << good;
}

TEST(LabName, RefusesWhatCouldReachOutsideTheLabOrBeReadAsAnOption) {
  EXPECT_EQ(lab_name_problem(""), "it is empty; use 1 to 24 of a-z, 0-9 and '-', starting with a letter or digit");
  EXPECT_EQ(lab_name_problem("../victim").substr(0, 14), "it holds '.'; ");
  EXPECT_EQ(lab_name_problem("-x").substr(0, 19), "it starts with '-';");
  EXPECT_EQ(lab_name_problem(std::string(25, 'a')).substr(0, 15), "it is 25 bytes;");
  for (auto bad : {".", "..", "a/b", "A", "a_b", "a.b", "a b", "a\nb"}) EXPECT_NE(lab_name_problem(bad), "") << bad;
}

TEST(NetnsName, TwoLabsNeverShareANamespaceName) {
  EXPECT_EQ(netns_name("two-node", "node1"), "ovl-two-node.node1");
  EXPECT_EQ(fabric_netns_name("two-node"), "ovl-two-node.fabric");
  EXPECT_NE(netns_name("a-x", "n1"), netns_name("a", "x-n1"));
}

TEST(Quoted, CutsLongInput) {
  EXPECT_EQ(scenario::quoted("vpc"), "'vpc'");
  EXPECT_EQ(scenario::quoted(std::string(5'000'000, 'x')), "'" + std::string(40, 'x') + "...' (5000000 bytes)");
}

}  // namespace
}  // namespace ovl::scenario
