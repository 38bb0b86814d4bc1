// up, exec, ping, down and crash cleanup on real namespaces (root).
#include <signal.h>
#include <sys/wait.h>

#include <boost/process.hpp>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// A scenario big enough that `up` takes a while: n nodes with 3 containers each.
fs::path write_big_scenario(const std::string& lab, int nodes) {
  std::string xml = "<scenario name=\"" + lab + "\"><underlay><segment name=\"s\" cidr=\"10.0.0.0/16\"/>"
                    "</underlay><overlay network=\"100.64.0.0/16\" store=\"local\"/>";
  for (int i = 1; i <= nodes; ++i) {
    xml += "<node name=\"n" + std::to_string(i) + "\" segment=\"s\" ip=\"10.0.0." + std::to_string(i + 1) +
           "\" subnet=\"100.64." + std::to_string(i) + ".0/24\">";
    for (int c = 1; c <= 3; ++c) xml += "<container name=\"c" + std::to_string(i) + "-" + std::to_string(c) + "\"/>";
    xml += "</node>";
  }
  xml += "</scenario>";
  auto path = fs::temp_directory_path() / (lab + ".xml");
  std::ofstream(path) << xml;
  return path;
}

size_t count_lines(const fs::path& journal, const std::string& kind) {
  std::ifstream in(journal);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind(kind, 0) == 0;
  return n;
}

class Lifecycle : public LabTest {};

TEST_F(Lifecycle, UpExecPingDownLeavesTheHostAsItWas) {
  auto links_before = run_program({"ip", "-o", "link"}).out;
  auto name = lab("lt-basic");
  auto up = run({"up", scenario("two-node"), "--name", name});
  ASSERT_EQ(up.status, 0) << up.err;

  auto route = run({"exec", name, "container-1", "--", "ip", "route"});
  EXPECT_EQ(first_line(route.out), "default via 100.96.1.1 dev eth0 ");
  auto netns = run_program({"ip", "netns", "list"}).out;
  for (auto host : {"fabric", "node1", "node2", "container-1", "container-2"})
    EXPECT_NE(netns.find("ovl-" + name + "." + host), std::string::npos) << host;

  auto to_node = run({"ping", name, "container-1", "node1", "-c", "1"});
  EXPECT_EQ(to_node.status, 0) << to_node.out << to_node.err;
  EXPECT_NE(to_node.out.find("64 bytes from 172.20.33.102: icmp_seq=1 ttl=64"), std::string::npos) << to_node.out;
  auto across = run({"ping", name, "node1", "node2", "-c", "1"});
  EXPECT_EQ(across.status, 0) << across.out << across.err;
  EXPECT_NE(across.out.find("64 bytes from 172.20.54.98"), std::string::npos) << across.out;

  auto down = run({"down", name});
  EXPECT_EQ(down.status, 0) << down.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  EXPECT_EQ(run_program({"ip", "-o", "link"}).out, links_before);
  EXPECT_FALSE(fs::exists("/run/overlaylab/" + name));
}

TEST_F(Lifecycle, UpTwiceIsRefusedAndKeepsTheFirstLab) {
  auto name = lab("lt-twice");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto again = run({"up", scenario("two-node"), "--name", name});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already up"), std::string::npos) << again.err;
  EXPECT_EQ(lab_namespaces(name).size(), 5u);
}

TEST_F(Lifecycle, RoutedUnderlayCrossesTheRouter) {
  auto name = lab("lt-routed");
  ASSERT_EQ(run({"up", scenario("routed-underlay"), "--name", name}).status, 0);
  auto ping = run({"ping", name, "node1", "node2", "-c", "1"});
  EXPECT_EQ(ping.status, 0) << ping.out << ping.err;
  // One router hop: the reply arrives with TTL 63.
  EXPECT_NE(ping.out.find("from 192.168.2.10: icmp_seq=1 ttl=63"), std::string::npos) << ping.out;
}

TEST_F(Lifecycle, TwoLabsFromDifferentScenariosRunSideBySide) {
  auto a = lab("lt-side-a"), b = lab("lt-side-b");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", a}).status, 0);
  ASSERT_EQ(run({"up", scenario("three-node"), "--name", b}).status, 0);
  EXPECT_EQ(run({"ping", a, "node1", "node2", "-c", "1"}).status, 0);
  EXPECT_EQ(run({"ping", b, "node1", "node3", "-c", "1"}).status, 0);
  ASSERT_EQ(run({"down", a}).status, 0);
  // b is untouched by a's teardown.
  EXPECT_EQ(lab_namespaces(b).size(), 7u);
  EXPECT_EQ(run({"ping", b, "container-1", "node1", "-c", "1"}).status, 0);
}

// Kills `up` with sig once the journal shows it is half-way through.
// Returns false if up finished before the signal could land.
bool interrupt_half_way(LabTest& t, const std::vector<std::string>& args, const fs::path& journal,
                        int sig, int* status, const std::map<std::string, std::string>& env) {
  bp::environment e = boost::this_process::environment();
  for (const auto& [k, v] : env) e[k] = v;
  bp::child child(overlaylab_binary().string(), bp::args(args), e, bp::std_out > bp::null,
                  bp::std_err > bp::null);
  while (count_lines(journal, "netns") < 8 && child.running()) std::this_thread::yield();
  bool half_way = count_lines(journal, "up") == 0 && count_lines(journal, "netns") >= 8;
  ::kill(child.id(), sig);
  child.wait();
  *status = child.exit_code();
  (void)t;
  return half_way;
}

TEST_F(Lifecycle, SigkillHalfWayThenDownLeavesNothing) {
  auto name = lab("lt-kill");
  auto file = write_big_scenario(name, 24);
  int status = 0;
  bool half_way = false;
  for (int attempt = 0; attempt < 5 && !half_way; ++attempt) {
    half_way = interrupt_half_way(*this, {"up", file.string()}, "/run/overlaylab/" + name + "/journal",
                                  SIGKILL, &status, env_);
    if (!half_way) run({"down", name});
  }
  fs::remove(file);
  ASSERT_TRUE(half_way) << "up always finished before SIGKILL landed";
  EXPECT_FALSE(lab_namespaces(name).empty());
  auto list = run({"list"});
  EXPECT_NE(list.out.find(name + "  incomplete"), std::string::npos) << list.out;
  auto down = run({"down", name});
  EXPECT_EQ(down.status, 0) << down.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
}

TEST_F(Lifecycle, SigkillHalfWayThenDownAllLeavesNothing) {
  auto root = private_state_root();  // --all must only see this test's labs
  auto name = lab("lt-kill-all");
  auto file = write_big_scenario(name, 24);
  int status = 0;
  bool half_way = false;
  for (int attempt = 0; attempt < 5 && !half_way; ++attempt) {
    half_way = interrupt_half_way(*this, {"up", file.string()}, root / name / "journal", SIGKILL, &status, env_);
    if (!half_way) run({"down", name});
  }
  fs::remove(file);
  ASSERT_TRUE(half_way);
  auto down = run({"down", "--all"});
  EXPECT_EQ(down.status, 0) << down.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(root / name));
}

TEST_F(Lifecycle, CtrlCDuringUpRollsBack) {
  auto name = lab("lt-ctrlc");
  auto file = write_big_scenario(name, 24);
  int status = 0;
  bool half_way = false;
  for (int attempt = 0; attempt < 5 && !half_way; ++attempt) {
    half_way = interrupt_half_way(*this, {"up", file.string()}, "/run/overlaylab/" + name + "/journal",
                                  SIGINT, &status, env_);
    if (!half_way) run({"down", name});
  }
  fs::remove(file);
  ASSERT_TRUE(half_way);
  EXPECT_EQ(status, 1);
  // Rolled back by up itself: no down needed.
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/run/overlaylab/" + name));
}

// strace -f follows up into the supervisor it leaves behind, so strace only
// returns once down has stopped those processes too.
TEST_F(Lifecycle, UpRunsNoIpBridgeOrSysctlProcess) {
  auto name = lab("lt-strace");
  auto out = fs::temp_directory_path() / "ovltest-strace.txt";
  auto err = fs::temp_directory_path() / "ovltest-strace-err.txt";
  bp::child strace(bp::search_path("strace").string(), "-f", "-e", "trace=execve", "-o", out.string(),
                   overlaylab_binary().string(), "up", scenario("two-node"), "--name", name,
                   bp::std_out > bp::null, bp::std_err > err.string());
  auto journal = fs::path("/run/overlaylab") / name / "journal";
  for (int i = 0; i < 3000 && count_lines(journal, "up") == 0 && strace.running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(count_lines(journal, "up"), 1u) << "up did not finish under strace: " << read_file(err);
  fs::remove(err);
  ASSERT_EQ(run({"down", name}).status, 0);
  strace.wait();
  auto trace = read_file(out);
  fs::remove(out);
  std::vector<std::string> programs;
  std::regex exec_line("execve\\(\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(trace.begin(), trace.end(), exec_line); it != std::sregex_iterator(); ++it)
    programs.push_back(fs::path((*it)[1].str()).filename().string());
  // overlaylab up, its supervisor, etcd and one overlayd per node: nothing else.
  std::sort(programs.begin(), programs.end());
  EXPECT_EQ(programs, (std::vector<std::string>{"etcd", "overlayd", "overlayd", "overlaylab", "overlaylab"})) << trace;
}

class BrokenScenario : public LabTest, public testing::WithParamInterface<std::string> {};

TEST_P(BrokenScenario, ExitsWithStatusTwoAndCreatesNothing) {
  auto file = (source_dir() / "tests/unit/scenario/broken" / (GetParam() + ".xml")).string();
  auto netns_before = run_program({"ip", "netns", "list"}).out;
  for (const char* verb : {"validate", "up"}) {
    auto r = run({verb, file});
    EXPECT_EQ(r.status, 2) << verb << ": " << r.err;
    EXPECT_NE(r.err.find(file + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": error: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(run_program({"ip", "netns", "list"}).out, netns_before);
}

std::vector<std::string> refused_files() {
  std::vector<std::string> names;
  for (auto& entry : fs::directory_iterator(source_dir() / "tests/unit/scenario/broken")) {
    if (entry.path().extension() != ".err") continue;
    if (read_file(entry.path()).find(": error: ") != std::string::npos)
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Files, BrokenScenario, testing::ValuesIn(refused_files()), [](const auto& info) {
  std::string n = info.param;
  for (auto& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
}  // namespace ovl::test
