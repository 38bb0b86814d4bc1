// The crash matrix (root): `up` of two-node is killed right after each entry
// it writes to its journal in turn (the moment the journal claims an object
// that may not exist yet), then `down` runs. For every entry, the host is
// left exactly as it was before.
#include <fstream>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

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
