// What the lab runs for each node: overlayd for its own nodes, and the
// flanneld command line it hands the user for a daemon="external" one.
#include "core/lab/services.h"

#include <gtest/gtest.h>

#include "core/os/dir_watch.h"
#include "core/scenario/generate.h"
#include "core/scenario/validate.h"
#include "tests/support/files.h"

namespace ovl::lab {
namespace {

RunningLab lab_with_external_node2(bool ip_masq) {
  auto xml = test::read_file(test::source_dir() / "scenarios/two-node.xml");
  auto at = xml.find("ip=\"172.20.54.98\"");
  xml.insert(at, "daemon=\"external\" ");
  if (ip_masq) xml.insert(xml.find("<overlay ") + 9, "ip-masq=\"true\" ");
  auto loaded = scenario::load_text(xml, "two-node.xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return RunningLab{"lab1", LabDir{"/run/overlaylab/lab1"}, loaded.scenario};
}

TEST(Services, AnExternalNodeGetsNoOverlayd) {
  auto lab = lab_with_external_node2(false);
  std::vector<std::string> names;
  for (const auto& s : lab_services(lab)) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"etcd", "overlayd@node1"}));
}

TEST(Services, TheFlanneldCommandLineUsesFlannelsFlagsAndTheLabsSubnetFile) {
  auto lab = lab_with_external_node2(true);
  const auto& node2 = lab.scenario.nodes[1];
  EXPECT_EQ(flanneld_command(lab.name, lab.dir, lab.scenario, node2),
            "sudo overlaylab exec lab1 node2 -- flanneld --etcd-endpoints=http://172.20.33.102:2379 "
            "--etcd-prefix=/coreos.com/network --iface=eth0 --public-ip=172.20.54.98 "
            "--subnet-file=/run/overlaylab/lab1/nodes/node2/run/flannel/subnet.env --ip-masq");
  // overlayd's own command line starts with the same flags.
  auto argv = lab_services(lab).at(1).spawn.argv;
  auto flags = flanneld_flags(lab.scenario, lab.dir, lab.scenario.nodes[0]);
  ASSERT_GT(argv.size(), flags.size());
  EXPECT_EQ(std::vector<std::string>(argv.begin() + 1, argv.begin() + 1 + flags.size()), flags);
  EXPECT_EQ(argv.back(), "--status-file=/run/overlaylab/lab1/nodes/node1/run/overlayd/status.json");
}

// Root's inotify instances are shared with the host: a large lab's
// daemons poll the local store instead of holding one each.
TEST(Services, ALargeLabsDaemonsPollTheLocalStore) {
  auto polls = [](size_t nodes) {
    auto loaded = scenario::load_text(scenario::generate_scenario({.nodes = nodes}), "gen.xml");
    EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
    RunningLab lab{"lab1", LabDir{"/run/overlaylab/lab1"}, loaded.scenario};
    size_t polling = 0;
    for (const auto& svc : lab_services(lab))
      for (const auto& arg : svc.spawn.argv)
        polling += arg == "--local-store-poll-ms=" + std::to_string(os::DirWatch::kPollInterval.count());
    return polling;
  };
  EXPECT_EQ(polls(kInotifyNodesMax), 0u);
  EXPECT_EQ(polls(kInotifyNodesMax + 1), kInotifyNodesMax + 1);
}

}  // namespace
}  // namespace ovl::lab
