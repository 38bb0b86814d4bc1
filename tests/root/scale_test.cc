// A generated lab of a hundred nodes (root): built, pinged from the first
// node's container to the last node's, and torn down, leaving the host as
// it was. (How long it takes is bench/scale.sh's business, not a test's.)
#include <fstream>
#include <regex>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"
#include "tests/support/tmux.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class Scale : public LabTest {};

TEST_F(Scale, AHundredNodeGeneratedLabPingsEndToEndAndLeavesNothing) {
  auto root = private_state_root();
  auto name = lab("lt-scale-100");
  auto generated = run({"generate", "--nodes", "100", "--containers", "2", "--name", name});
  ASSERT_EQ(generated.status, 0) << generated.err;
  auto file = fs::temp_directory_path() / (name + ".xml");
  std::ofstream(file) << generated.out;
  auto before = host_snapshot(name, {root});

  auto up = run({"up", file.string(), "--quiet"});
  ASSERT_EQ(up.status, 0) << up.err;
  EXPECT_EQ(lab_namespaces(name).size(), 1u + 100u + 200u);  // fabric, nodes, containers
  auto ping = run({"ping", name, "c1-1", "c100-2", "-c", "1"});
  EXPECT_EQ(ping.status, 0) << ping.out << ping.err;
  EXPECT_NE(ping.out.find("ttl=60"), std::string::npos) << ping.out;

  EXPECT_EQ(run({"down", name, "--quiet"}).status, 0);
  EXPECT_EQ(host_snapshot(name, {root}), before);
  fs::remove(file);
}

fs::path generated(LabTest& t, const std::string& name, int nodes) {
  auto made = overlaylab({"generate", "--nodes", std::to_string(nodes), "--containers", "2", "--name", name});
  EXPECT_EQ(made.status, 0) << made.err;
  auto file = fs::temp_directory_path() / (name + ".xml");
  std::ofstream(file) << made.out;
  (void)t;
  return file;
}

// On a terminal, a lab that takes more than half a second shows one line,
// redrawn in place: the phase, how far, how long.
TEST_F(Scale, UpShowsAProgressLineOnATerminal) {
  auto name = lab("lt-progress-tty");
  auto file = generated(*this, name, 40);
  Tmux t("ovltest-progress-" + std::to_string(::getpid()), "up");
  auto started = t.start(overlaylab_binary().string() + " up " + file.string() + "; echo up-exited-$?; sleep 60", 120, 10);
  ASSERT_EQ(started.status, 0) << "tmux could not start (is it installed?): " << started.err;
  std::regex line(R"(up: (leases|containers|peers) \d+/40 \[[#.]{20}\] \d+\.\d s)");
  std::string seen;
  EXPECT_TRUE(t.shows_if([&](const std::string& screen) {
    seen = screen;
    return std::regex_search(screen, line);
  })) << seen;
  ASSERT_TRUE(t.shows("up-exited-0")) << t.screen();
  // The line is gone once the lab is up: only the verb's own output stays.
  auto screen = t.screen();
  EXPECT_FALSE(std::regex_search(screen, std::regex("up: (underlay|leases|containers|peers)"))) << screen;
  EXPECT_NE(screen.find("lab '" + name + "' is up: 40 nodes"), std::string::npos) << screen;
  fs::remove(file);
}

// Not on a terminal: a plain line per phase; --quiet: none.
TEST_F(Scale, UpPrintsPlainPhaseLinesElsewhereAndNothingWhenQuiet) {
  auto name = lab("lt-progress-plain");
  auto file = generated(*this, name, 40);
  auto up = run({"up", file.string()});
  ASSERT_EQ(up.status, 0) << up.err;
  EXPECT_NE(up.err.find("up: peers 40/40 done in"), std::string::npos) << up.err;
  EXPECT_EQ(up.err.find("\r"), std::string::npos);
  auto down = run({"down", name, "--quiet", "--timings"});
  EXPECT_EQ(down.err, "");
  EXPECT_NE(down.out.find("down timings"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("namespaces"), std::string::npos) << down.out;
  fs::remove(file);
}

}  // namespace
}  // namespace ovl::test
