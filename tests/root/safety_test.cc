// Safety and reliability regressions (root): a lab name never reaches
// outside its lab, a lab never deletes what it did not make, no process of a
// lab ever runs unrecorded, and a lab whose supervisor died can be recovered.
#include <signal.h>

#include <boost/process.hpp>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "core/os/process.h"
#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;
using namespace std::chrono_literals;

// The journal's entry for role ("supervisor", "overlayd@node1"), if any.
std::optional<os::ProcessId> journaled(const fs::path& journal, const std::string& role) {
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("proc ", 0) == 0 && line.size() > role.size() && line.substr(line.size() - role.size()) == role)
      return os::ProcessId::parse(line.substr(5));
  return std::nullopt;
}

// The children of pid, from /proc.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string state;
    pid_t ppid = 0;
    if (rest >> state >> ppid && ppid == parent) out.push_back(std::stoi(name));
  }
  return out;
}

class Safety : public LabTest {};

// Defect: `down ../victim` deleted <root>/../victim, `down ""` the whole state
// root and `down .` every lab's directory.
TEST_F(Safety, ALabNameThatIsNotOneIsRefusedByEveryVerb) {
  auto root = private_state_root();
  fs::create_directories(root / "keep");
  auto victim = root.parent_path() / ("ovltest-victim-" + std::to_string(::getpid()));
  fs::create_directories(victim);
  auto victim_name = "../" + victim.filename().string();
  for (std::string bad : {victim_name, std::string(""), std::string("."), std::string(".."), std::string("-x")}) {
    auto down = run({"down", bad});
    EXPECT_EQ(down.status, 2) << "down '" << bad << "': " << down.err;
    if (bad != "-x") {
      EXPECT_NE(down.err.find("cannot name a lab"), std::string::npos) << down.err;
    }
    for (auto verb : {"status", "stop", "start", "restart"}) EXPECT_EQ(run({verb, bad, "node1"}).status, 2) << verb << " " << bad;
    EXPECT_EQ(run({"exec", bad, "node1", "--", "true"}).status, 2) << bad;
    EXPECT_EQ(run({"ping", bad, "a", "b"}).status, 2) << bad;
    EXPECT_EQ(run({"trace", bad, "a", "b"}).status, 2) << bad;
    EXPECT_EQ(run({"up", scenario("two-node"), "--name", bad}).status, 2) << bad;
  }
  EXPECT_TRUE(fs::exists(victim));
  EXPECT_TRUE(fs::exists(root / "keep"));
  fs::remove_all(victim);
}

// Defect: lab "a-x" with host "n1" and lab "a" with host "x-n1" both named
// ovl-a-x-n1; started at once, each rolled back the other's namespaces.
TEST_F(Safety, TwoLabsWhoseOldNamesCollidedComeUpSideBySide) {
  auto long_name = lab("lt-col-x"), short_name = lab("lt-col");
  auto text = read_file(scenario("two-node"));
  text = std::regex_replace(text, std::regex("name=\"two-node\""), "name=\"" + short_name + "\"");
  text = std::regex_replace(text, std::regex("node1"), "x-node1");
  auto renamed = fs::temp_directory_path() / ("ovltest-col-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(renamed) << text;
  for (int round = 0; round < 3; ++round) {
    auto a = std::async(std::launch::async, [&] { return run({"up", scenario("two-node"), "--name", long_name}); });
    auto b = std::async(std::launch::async, [&] { return run({"up", renamed.string()}); });
    auto ra = a.get(), rb = b.get();
    ASSERT_EQ(ra.status, 0) << ra.err;
    ASSERT_EQ(rb.status, 0) << rb.err;
    EXPECT_EQ(run({"ping", long_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"ping", short_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"down", long_name}).status, 0);
    EXPECT_EQ(lab_namespaces(long_name), std::vector<std::string>{});
    EXPECT_EQ(lab_namespaces(short_name).size(), 5u) << "the other lab lost namespaces";
    EXPECT_EQ(run({"ping", short_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"down", short_name}).status, 0);
  }
  fs::remove(renamed);
}

// A namespace the lab would use already exists (someone else's): up refuses,
// creates nothing, and the namespace is untouched.
TEST_F(Safety, ANamespaceSomeoneElseMadeIsRefusedAndLeftAlone) {
  auto name = lab("lt-foreign");
  auto foreign = "ovl-" + name + ".node2";
  ASSERT_EQ(run_program({"ip", "netns", "add", foreign}).status, 0);
  struct Remove {
    std::string ns;
    ~Remove() { run_program({"ip", "netns", "del", ns}); }
  } remove{foreign};
  auto up = run({"up", scenario("two-node"), "--name", name});
  EXPECT_EQ(up.status, 1);
  EXPECT_NE(up.err.find("namespace " + foreign + " already exists"), std::string::npos) << up.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{foreign});
  EXPECT_FALSE(fs::exists("/run/overlaylab/" + name));
}

// Defect: `up` killed between claiming a namespace and mounting it left the
// empty file the mount goes on, which `down` took for someone else's
// namespace and kept (seen in CI: SIGKILL half-way, then down --all left
// ovl-<lab>.n7). That file is what such a kill leaves, made here by hand
// after killing up right after its first namespace claim.
TEST_F(Safety, ANamespaceWhoseCreateWasCutShortIsClearedByDown) {
  auto root = private_state_root();
  auto name = lab("lt-cut");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  size_t entry = 0, first_netns = 0;
  std::string ns;
  {
    std::ifstream in(root / name / "journal");
    for (std::string line; std::getline(in, line) && !first_netns;) {
      if (line.rfind("proc ", 0) == 0) continue;  // children write those, not up
      ++entry;
      if (line.rfind("netns ", 0) == 0) {
        first_netns = entry;
        std::istringstream(line.substr(6)) >> ns;
      }
    }
  }
  ASSERT_EQ(run({"down", name}).status, 0);
  ASSERT_GT(first_netns, 0u);

  env_["OVERLAYLAB_CRASH_AFTER"] = std::to_string(first_netns);
  EXPECT_NE(run({"up", scenario("two-node"), "--name", name}).status, 0);
  env_.erase("OVERLAYLAB_CRASH_AFTER");
  auto placeholder = fs::path("/run/netns") / ns;
  ASSERT_FALSE(fs::exists(placeholder));
  { std::ofstream{placeholder}; }
  auto down = run({"down", name});
  EXPECT_EQ(down.status, 0) << down.err;
  EXPECT_FALSE(fs::exists(placeholder));
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
}

// Defect: `up` killed between starting the supervisor and journaling it left
// a supervisor no `down` could find. Every clone() of up returns 3 s late
// here; the supervisor records itself before it runs, so it is on record
// while up still waits for its clone to return, and up dies there.
TEST_F(Safety, ASupervisorIsOnRecordBeforeUpKnowsItsPid) {
  auto name = lab("lt-clone");
  auto journal = fs::path("/run/overlaylab") / name / "journal";
  bp::child strace(bp::search_path("strace").string(), "-o", "/dev/null", "-e", "trace=clone,clone3", "-e",
                   "inject=clone,clone3:delay_exit=3000000", overlaylab_binary().string(), "up", scenario("two-node"),
                   "--name", name, bp::std_out > bp::null, bp::std_err > bp::null);
  std::optional<os::ProcessId> supervisor;
  ASSERT_TRUE(eventually([&] { return bool(supervisor = journaled(journal, "supervisor")); }, 10s));
  for (pid_t up : children_of(strace.id())) ::kill(up, SIGKILL);
  strace.wait();
  EXPECT_TRUE(os::alive(*supervisor));
  auto down = run({"down", name});
  EXPECT_EQ(down.status, 0) << down.err;
  EXPECT_TRUE(eventually([&] { return !os::alive(*supervisor); }, 5s));
  EXPECT_EQ(run({"list"}).out.find(name), std::string::npos);
}

// Defect: after the supervisor was SIGKILLed, status called its dead
// services running and start/restart refused; only down and up recovered.
TEST_F(Safety, ALabWhoseSupervisorWasKilledSaysSoAndStartRecoversIt) {
  auto name = lab("lt-orphan");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto journal = fs::path("/run/overlaylab") / name / "journal";
  auto supervisor = journaled(journal, "supervisor");
  auto node1 = journaled(journal, "overlayd@node1"), node2 = journaled(journal, "overlayd@node2"),
       etcd = journaled(journal, "etcd");
  ASSERT_TRUE(supervisor && node1 && node2 && etcd);
  ::kill(supervisor->pid, SIGKILL);
  // Its services go with it: nothing of the lab runs unsupervised.
  ASSERT_TRUE(eventually([&] { return !os::alive(*node1) && !os::alive(*node2) && !os::alive(*etcd); }, 5s));
  auto status = run({"status", name});
  EXPECT_NE(status.out.find("supervisor NOT RUNNING"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("node1: overlayd not running"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("overlayd running"), std::string::npos) << status.out;
  auto start = run({"start", name, "node1"});
  EXPECT_EQ(start.status, 0) << start.out << start.err;
  EXPECT_NE(start.out.find("started a new one"), std::string::npos) << start.out;
  EXPECT_TRUE(eventually([&] {
    auto s = run({"status", name}).out;
    return s.find("supervisor running") != std::string::npos && s.find("node2: overlayd running") != std::string::npos;
  }));
  EXPECT_EQ(run({"ping", name, "container-1", "container-2", "-c", "1"}).status, 0);
}

// Defect: a failed up left an empty state root behind.
TEST_F(Safety, AFailedUpLeavesNoStateRoot) {
  auto root = private_state_root();
  auto name = lab("lt-noroot");
  auto foreign = "ovl-" + name + ".node1";
  ASSERT_EQ(run_program({"ip", "netns", "add", foreign}).status, 0);
  struct Remove {
    std::string ns;
    ~Remove() { run_program({"ip", "netns", "del", ns}); }
  } remove{foreign};
  EXPECT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 1);
  EXPECT_FALSE(fs::exists(root));
}

// Defect: every etcd lab wrote 128 MB of write-ahead log into /run, which
// is RAM on most machines. It goes to the data root, and goes with the lab.
TEST_F(Safety, EtcdsDataLivesOutsideRunAndLeavesWithTheLab) {
  auto data = fs::temp_directory_path() / ("ovltest-data-" + std::to_string(::getpid()));
  env_["OVERLAYLAB_DATA_DIR"] = data.string();
  auto name = lab("lt-etcd-data");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  uintmax_t in_run = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path("/run/overlaylab") / name))
    if (e.is_regular_file() && !e.is_symlink()) in_run += e.file_size();
  EXPECT_LT(in_run, 4u << 20);
  ASSERT_TRUE(fs::exists(data));
  uintmax_t in_data = 0;
  for (const auto& e : fs::recursive_directory_iterator(data))
    if (e.is_regular_file()) in_data += e.file_size();
  EXPECT_GT(in_data, 64u << 20);  // the write-ahead log is there
  EXPECT_EQ(run({"down", name}).status, 0);
  EXPECT_FALSE(fs::exists(data));
}

}  // namespace
}  // namespace ovl::test
