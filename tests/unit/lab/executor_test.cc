// The executor, journal and teardown against a NetworkOps fake that simulates
// namespaces in memory: no root, no kernel.
#include "core/lab/executor.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/lab/lab.h"
#include "core/scenario/validate.h"
#include "tests/support/fake_network.h"
#include "tests/support/files.h"

namespace ovl::lab {
namespace {

namespace fs = std::filesystem;

using FakeNet = test::FakeNetwork;
using scenario::NetnsId;

scenario::Scenario two_node() {
  auto loaded = scenario::load_text(test::read_file(test::source_dir() / "scenarios/two-node.xml"), "two-node.xml");
  EXPECT_TRUE(loaded.ok());
  return loaded.scenario;
}

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("ovl-unit-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Executor, JournalsEachObjectBeforeMakingIt) {
  auto dir = temp_dir("journal");
  FakeNet net;
  Journal journal(dir / "journal");
  Executor(net, journal, dir, "two-node.xml", nullptr).apply(scenario::plan_underlay(two_node(), "t"));
  auto entries = Journal::read(dir / "journal");
  size_t netns = 0, steps = 0;
  for (const auto& e : entries) {
    netns += e.kind == "netns";
    steps += e.kind == "step";
  }
  EXPECT_EQ(netns, 3u);  // fabric, node1, node2
  EXPECT_EQ(netns + steps, net.applied.size());
  EXPECT_EQ(entries.front().rest, "ovl-t.fabric " + std::to_string(net.namespaces.at("ovl-t.fabric")));
  fs::remove_all(dir);
}

TEST(Executor, AFailedStepNamesTheCommandTheReasonAndTheScenarioLine) {
  auto dir = temp_dir("fail");
  FakeNet net;
  net.fail_at = 6;  // node1's veth into the fabric
  Journal journal(dir / "journal");
  try {
    Executor(net, journal, dir, "two-node.xml", nullptr).apply(scenario::plan_underlay(two_node(), "t"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("`ip -n ovl-t.node1 link add eth0 mtu 1500 type veth"), std::string::npos) << what;
    EXPECT_NE(what.find("File exists"), std::string::npos) << what;
    EXPECT_NE(what.find("(two-node.xml:"), std::string::npos) << what;
  }
  // The failed step was journaled: teardown must consider it.
  EXPECT_EQ(Journal::read(dir / "journal").size(), 7u);
  fs::remove_all(dir);
}

// ip-masq's rules are steps like any other: journaled first, and a failure
// names the nft command and the <overlay> line that asked for it.
TEST(Executor, AFailedMasqueradeRuleNamesItsNftCommand) {
  auto dir = temp_dir("nft");
  auto loaded = scenario::load_text(test::read_file(test::source_dir() / "scenarios/egress.xml"), "egress.xml");
  ASSERT_TRUE(loaded.ok());
  const auto& s = loaded.scenario;
  auto plan = scenario::plan_node(s, "t", s.nodes[0], scenario::NodeLease{*net::Cidr::parse("100.96.1.0/24"), 1472});
  FakeNet net;
  net.fail_at = 2;  // the third step: the nat chain postrtg
  Journal journal(dir / "journal");
  try {
    Executor(net, journal, dir, "egress.xml", nullptr).apply(plan);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("node1: `ip netns exec ovl-t.node1 nft 'add chain ip flannel-ipv4 postrtg { type nat hook "
                        "postrouting"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("(egress.xml:" + std::to_string(s.overlay.pos.line) + ":"), std::string::npos) << what;
  }
  auto entries = Journal::read(dir / "journal");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries.back().rest, "ip netns exec ovl-t.node1 nft 'add chain ip flannel-ipv4 postrtg { type nat hook "
                                 "postrouting priority srcnat ; comment \"chain to manage traffic masquerading by "
                                 "flannel\" ; }'");
  fs::remove_all(dir);
}

TEST(Executor, StopsBetweenStepsWhenCancelled) {
  auto dir = temp_dir("cancel");
  FakeNet net;
  Journal journal(dir / "journal");
  std::atomic<bool> cancel{true};
  EXPECT_THROW(Executor(net, journal, dir, "f", &cancel).apply(scenario::plan_underlay(two_node(), "t")), Interrupted);
  EXPECT_TRUE(net.applied.empty());
  fs::remove_all(dir);
}

TEST(Down, RemovesExactlyTheJournaledNamespacesInReverseAndTheStateDirectory) {
  auto root = temp_dir("down");
  fs::create_directories(root / "t");
  FakeNet net;
  net.namespaces = {{"ovl-t.fabric", 11}, {"ovl-t.node1", 12}, {"ovl-other.node1", 13}};
  {
    Journal journal(root / "t" / "journal");
    journal.record("lab", "t");
    journal.record_netns("ovl-t.fabric", 11);
    journal.record("step", "ip -n ovl-t.fabric link set lo up");
    journal.record_netns("ovl-t.node1", 12);
  }
  EXPECT_TRUE(down("t", net, root));
  EXPECT_EQ(net.deleted, (std::vector<std::string>{"ovl-t.node1", "ovl-t.fabric"}));
  EXPECT_EQ(net.names(), std::set<std::string>{"ovl-other.node1"});
  EXPECT_FALSE(fs::exists(root / "t"));
  EXPECT_FALSE(down("t", net, root));
  fs::remove_all(root);
}

// Defect: a rollback deleted a namespace whose creation had failed with
// "File exists", i.e. another lab's.
TEST(Down, LeavesANamespaceOfTheSameNameThatItDidNotMake) {
  auto root = temp_dir("foreign");
  fs::create_directories(root / "t");
  FakeNet net;
  net.namespaces = {{"ovl-t.node1", 99}};  // made by someone else, after our check
  {
    Journal journal(root / "t" / "journal");
    journal.record("lab", "t");
    Executor executor(net, journal, root / "t", "two-node.xml", nullptr);
    EXPECT_THROW(executor.apply(scenario::plan_underlay(two_node(), "t")), std::runtime_error);
  }
  EXPECT_TRUE(net.namespaces.count("ovl-t.fabric"));
  EXPECT_TRUE(down("t", net, root));
  EXPECT_EQ(net.namespaces, (std::map<std::string, NetnsId>{{"ovl-t.node1", 99}}));
  EXPECT_EQ(net.deleted, std::vector<std::string>{"ovl-t.fabric"});
  fs::remove_all(root);
}

// Defect: `down ../victim`, `down ""` and `down .` deleted directories
// outside the lab.
TEST(Down, RefusesANameThatIsNotALabName) {
  auto root = temp_dir("names");
  auto victim = root / "victim";
  fs::create_directories(victim);
  fs::create_directories(root / "state" / "t");
  FakeNet net;
  for (std::string bad : std::vector<std::string>{"../victim", "", ".", "..", "-t", "a/b", "T", std::string(25, 'a')})
    EXPECT_THROW(down(bad, net, root / "state"), std::invalid_argument) << bad;
  EXPECT_THROW(open_lab("..", root / "state"), std::invalid_argument);
  EXPECT_TRUE(fs::exists(victim));
  EXPECT_TRUE(fs::exists(root / "state" / "t"));
  fs::remove_all(root);
}

TEST(List, ShowsOnlyDirectoriesALabCouldHaveMade) {
  auto root = temp_dir("list-names");
  for (auto name : {"ok-1", "Not_A_Lab", "-x", ".hidden"}) fs::create_directories(root / name);
  auto labs = list(root);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].name, "ok-1");
  fs::remove_all(root);
}

TEST(List, TellsCompleteLabsFromHalfBuiltOnes) {
  auto root = temp_dir("list");
  for (auto [name, complete] : {std::pair{"a", true}, {"b", false}}) {
    fs::create_directories(root / name);
    Journal journal(root / name / "journal");
    journal.record_netns(std::string("ovl-") + name + ".fabric", 7);
    if (complete) journal.record("up");
  }
  auto labs = list(root);
  ASSERT_EQ(labs.size(), 2u);
  EXPECT_EQ(labs[0].name, "a");
  EXPECT_TRUE(labs[0].complete);
  EXPECT_FALSE(labs[1].complete);
  EXPECT_EQ(labs[1].namespaces, 1u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace ovl::lab
