// Lab tests: run the real overlaylab binary as a user would, as root, against
// real namespaces. Each test names its own labs; TearDown tears them down even
// when the test failed, then checks that nothing was left behind.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ovl::test {

struct RunResult {
  int status = -1;
  std::string out, err;
};

std::filesystem::path binary_dir();
std::filesystem::path overlaylab_binary();

// Runs overlaylab with args; env entries are added to the environment.
RunResult overlaylab(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {});
// Runs any program, searched in PATH.
RunResult run_program(const std::vector<std::string>& argv);

// A program running in the background with stdout and stderr in files,
// stopped by its own pid (SIGTERM, then SIGKILL) and reaped when destroyed.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  int pid() const;
  std::string out() const;  // what it has written to stdout so far
  std::string err() const;
  // Its exit status once it has exited within limit, else nullopt.
  std::optional<int> wait(std::chrono::milliseconds limit);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The lab namespaces (ovl-<lab>-*) present in /run/netns.
std::vector<std::string> lab_namespaces(const std::string& lab);

// What a lab could leave behind on the host, as text to compare before and
// after: the host namespace's links, addresses and routes whole; the lab's
// named namespaces and their mounts; every file under roots.
std::string host_snapshot(const std::string& lab, const std::vector<std::filesystem::path>& roots);

// scenarios/<name>.xml in the source tree.
std::string scenario(const std::string& name);
// A node's filesystem in a lab under /run/overlaylab.
std::filesystem::path node_dir(const std::string& lab, const std::string& node);
// The node's overlayd status file, parsed (discarded when absent or partial).
nlohmann::json status_of(const std::string& lab, const std::string& node);

class LabTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Registers lab for teardown and returns its name.
  std::string lab(const std::string& name);
  // A state root of this test's own, for tests that must not see other labs.
  std::filesystem::path private_state_root();
  // A directory of this test's own for `--out`, removed at teardown.
  std::filesystem::path out_dir();
  // The trace JSON a trace or run wrote into out_dir(); null if unreadable.
  nlohmann::json trace_json(const std::string& probe);
  std::map<std::string, std::string> env_;  // passed to every overlaylab() call via run()

  RunResult run(const std::vector<std::string>& args) { return overlaylab(args, env_); }

 private:
  std::vector<std::string> labs_;
  std::filesystem::path private_root_;
  std::filesystem::path out_;
};

}  // namespace ovl::test
