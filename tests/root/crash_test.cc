// The crash matrix (root): `up` of two-node is killed right after each entry
// it writes to its journal in turn (the moment the journal claims an object
// that may not exist yet), then `down` runs. For every entry, the host is
// left exactly as it was before.
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

// Everything the lab could leave behind, as text: the host namespace's
// links, addresses and routes whole; of the named namespaces and their
// mounts, those of the lab (other labs may come and go meanwhile).
std::string host_snapshot(const std::string& lab, const std::vector<fs::path>& roots) {
  std::ostringstream out;
  out << "netns:\n";
  for (const auto& ns : lab_namespaces(lab)) out << ns << "\n";
  out << "links:\n" << run_program({"ip", "-o", "link", "show"}).out;
  out << "addresses:\n" << run_program({"ip", "-o", "addr", "show"}).out;
  out << "routes:\n" << run_program({"ip", "route", "show", "table", "all"}).out;
  out << "mounts:\n";
  std::ifstream mounts("/proc/self/mounts");
  for (std::string line; std::getline(mounts, line);)
    if (line.find("/run/netns/ovl-" + lab + ".") != std::string::npos) out << line << "\n";
  for (const auto& root : roots) {
    out << root.string() << ":\n";
    if (!fs::exists(root)) continue;
    std::set<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) files.insert(e.path().string());
    for (const auto& f : files) out << f << "\n";
  }
  return out.str();
}

// The processes whose command line names the lab.
std::string lab_processes(const std::string& lab) {
  std::string out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(lab) != std::string::npos && cmdline.find("root_tests") == std::string::npos)
      out += pid + " " + cmdline + "\n";
  }
  return out;
}

size_t entries_written_by_up(const fs::path& journal) {
  std::ifstream in(journal);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind("proc ", 0) != 0;  // children write those
  return n;
}

class CrashMatrix : public LabTest {};

TEST_F(CrashMatrix, DownAfterUpIsKilledAtEveryJournalEntryLeavesTheHostAsItWas) {
  auto root = private_state_root();
  auto data = fs::temp_directory_path() / ("ovltest-crash-data-" + std::to_string(::getpid()));
  env_["OVERLAYLAB_DATA_DIR"] = data.string();
  auto name = lab("lt-crash");
  auto before = host_snapshot(name, {root, data});

  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  size_t entries = entries_written_by_up(root / name / "journal");
  ASSERT_EQ(run({"down", name}).status, 0);
  ASSERT_GT(entries, 40u);

  for (size_t k = 1; k <= entries; ++k) {
    env_["OVERLAYLAB_CRASH_AFTER"] = std::to_string(k);
    auto up = run({"up", scenario("two-node"), "--name", name});
    env_.erase("OVERLAYLAB_CRASH_AFTER");
    EXPECT_NE(up.status, 0) << "up was not killed after entry " << k;
    auto down = run({"down", name});
    EXPECT_EQ(down.status, 0) << "entry " << k << ": " << down.err;
    EXPECT_EQ(host_snapshot(name, {root, data}), before) << "after entry " << k;
    EXPECT_EQ(lab_processes(name), "") << "after entry " << k;
    if (HasFailure()) break;  // one entry's report is enough to act on
  }
  RecordProperty("journal_entries", int(entries));
  std::cout << "crash matrix: " << entries << " journal entries of two-node's up, each followed by down\n";
}

}  // namespace
}  // namespace ovl::test
