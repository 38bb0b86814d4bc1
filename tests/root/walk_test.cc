// The classroom walk of real traces (root): walk-p1.html of the two-node
// lab on udp and on vxlan driven in headless Chromium (walk_browser.py
// beside this file), the commands it suggests run in the lab, and
// `overlaylab step` driven in tmux. A missing browser or tmux fails these
// tests: they would otherwise pass without checking anything.
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"
#include "tests/support/tmux.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class ClassroomWalk : public LabTest {
 protected:
  // Runs the browser driver on a page; the screenshot stays in the build
  // tree for a person to look at.
  RunResult browse(const std::vector<std::string>& args) {
    fs::create_directories(binary_dir() / "screenshots");
    std::vector<std::string> argv{(source_dir() / "tests/root/walk_browser.py").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  }

  void walk_in_browser(const std::string& backend, const std::string& port) {
    auto name = lab("lt-walk-" + backend);
    auto r = run({"run", scenario("two-node"), "--name", name, "--backend", backend, "--out", out_dir().string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto shot = binary_dir() / "screenshots" / ("walk-p1-" + backend + "-1920x1080.png");
    auto b = browse({"walk", (out_dir() / "walk-p1.html").string(), "--hops", "20", "--last", "container-1:eth0 in",
                     "--reply-at", "11", "--hop5", "node1:eth0 out", "--port", port, "--screenshot", shot.string()});
    EXPECT_EQ(b.status, 0) << b.out << b.err;
    EXPECT_GT(fs::file_size(shot), 50000u);
  }
};

TEST_F(ClassroomWalk, TwoNodeUdpWalksInTheBrowser) { walk_in_browser("udp", "8285"); }

TEST_F(ClassroomWalk, TwoNodeVxlanWalksInTheBrowser) { walk_in_browser("vxlan", "8472"); }

TEST_F(ClassroomWalk, EverySuggestedCommandRunsInTheLab) {
  auto name = lab("lt-walk-cmds");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  ASSERT_EQ(run({"trace", name, "container-1", "container-2", "--name", "p1", "--out", out_dir().string()}).status, 0);
  auto t = nlohmann::json::parse(read_file(out_dir() / "trace-p1.json"));
  int ran = 0;
  for (const auto& hop : t["hops"])
    for (const auto& command : hop["commands"]) {
      std::vector<std::string> argv;
      std::istringstream words(command.get<std::string>());
      for (std::string w; words >> w;) argv.push_back(w);
      ASSERT_EQ(argv.at(0), "overlaylab") << command;
      auto r = run(std::vector<std::string>(argv.begin() + 1, argv.end()));
      EXPECT_EQ(r.status, 0) << command << "\n" << r.out << r.err;
      ++ran;
    }
  EXPECT_GE(ran, 20);
}

TEST_F(ClassroomWalk, StepWalksTwentyHopsInTmux) {
  auto name = lab("lt-walk-step");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  Tmux t("ovltest-walk-" + std::to_string(::getpid()));
  std::string command = overlaylab_binary().string() + " step " + name + " container-1 container-2 --name p1 --out " +
                        out_dir().string() + "; echo step-exited-$?; sleep 60";
  auto started = t.tmux({"new-session", "-d", "-s", "walk", "-x", "130", "-y", "60", command});
  ASSERT_EQ(started.status, 0) << "tmux could not start (is it installed?): " << started.err;
  ASSERT_TRUE(t.shows("hop 1 of 20")) << t.screen();
  for (int hop = 2; hop <= 5; ++hop) {
    t.tmux({"send-keys", "-t", "walk", "Enter"});
    ASSERT_TRUE(t.shows("hop " + std::to_string(hop) + " of 20")) << t.screen();
  }
  auto five = t.screen();
  EXPECT_NE(five.find("node1:eth0 out"), std::string::npos) << five;
  EXPECT_NE(five.find("+ UDP 8285 > 8285"), std::string::npos) << five;
  EXPECT_NE(five.find("+ IPv4 172.20.33.102 > 172.20.54.98"), std::string::npos) << five;
  for (int hop = 6; hop <= 20; ++hop) {
    t.tmux({"send-keys", "-t", "walk", "Space"});
    ASSERT_TRUE(t.shows("hop " + std::to_string(hop) + " of 20")) << t.screen();
  }
  auto last = t.screen();
  EXPECT_NE(last.find("reply leg  container-1:eth0 in"), std::string::npos) << last;
  t.tmux({"send-keys", "-t", "walk", "b"});
  EXPECT_TRUE(t.shows("hop 19 of 20")) << t.screen();
  t.tmux({"send-keys", "-t", "walk", "q"});
  EXPECT_TRUE(t.shows("step-exited-0")) << t.screen();
}

TEST_F(ClassroomWalk, StepPrintsEveryHopWhenNotOnATerminal) {
  auto name = lab("lt-walk-plain");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto r = run({"step", name, "container-1", "container-2", "--name", "p1", "--out", out_dir().string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  for (int hop = 1; hop <= 20; ++hop) EXPECT_NE(r.out.find("hop " + std::to_string(hop) + " of 20"), std::string::npos);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no terminal, no escapes";
  EXPECT_TRUE(fs::exists(out_dir() / "walk-p1.html"));
}

}  // namespace
}  // namespace ovl::test
