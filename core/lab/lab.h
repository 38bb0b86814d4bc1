// A lab's life: build it from a scenario (journaled, rolled back on failure
// or Ctrl-C), list it, and tear it down from its journal, even after a crash.
//
// State lives in <root>/<lab>/ (root is /run/overlaylab):
//   journal        what was created, in order (journal.h)
//   scenario.xml   the scenario the lab was built from
//   lock           held while the lab is being changed
//   nodes/<node>/  each node's filesystem (run/flannel/subnet.env, var/lib/cni/...);
//                  the etcd node's var/lib/etcd links to <data root>/<lab>.<id>/
//                  (journaled as a "dir" entry and removed with the lab)
#pragma once

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/lab/progress.h"
#include "core/scenario/network_ops.h"
#include "core/scenario/model.h"

namespace ovl::lab {

inline constexpr const char* kDefaultStateRoot = "/run/overlaylab";
// Where a lab keeps what is too big for /run (RAM on most machines): etcd
// preallocates 128 MB of write-ahead log.
inline constexpr const char* kDefaultDataRoot = "/var/lib/overlaylab";

struct LabDir {
  std::filesystem::path path;  // <root>/<lab>
  std::filesystem::path journal() const { return path / "journal"; }
  std::filesystem::path scenario() const { return path / "scenario.xml"; }
  std::filesystem::path lock() const { return path / "lock"; }
  std::filesystem::path node(const std::string& node) const { return path / "nodes" / node; }
};

// <root>/<lab>. Throws std::invalid_argument when lab is not a lab name
// (scenario::lab_name_problem), so no path outside root is built from one.
LabDir lab_dir(const std::filesystem::path& root, const std::string& lab);

struct UpRequest {
  const scenario::Scenario* scenario;
  std::string scenario_text;  // saved beside the journal for later verbs
  std::string lab;            // the lab name (scenario name unless overridden)
  std::filesystem::path root = kDefaultStateRoot;
  std::filesystem::path data_root = kDefaultDataRoot;
  const std::atomic<bool>* cancel = nullptr;
  size_t crash_after = 0;  // Journal::crash_after, for crash tests
  Progress* progress = nullptr;  // told each phase; may be null
  // Where to tell the user how to start external daemons, and how long to
  // wait for each.
  std::ostream* notes = nullptr;
  std::chrono::seconds external_timeout{300};
};

// Throws std::runtime_error (after rolling back) when the lab cannot be built.
void up(const UpRequest& request, scenario::NetworkOps& net);

// Removes everything the journal lists. Returns false when no such lab exists.
bool down(const std::string& lab, scenario::NetworkOps& net,
          const std::filesystem::path& root = kDefaultStateRoot, Progress* progress = nullptr);

struct LabSummary {
  std::string name;
  bool complete = false;  // the journal says the lab finished building
  size_t namespaces = 0;
};
std::vector<LabSummary> list(const std::filesystem::path& root = kDefaultStateRoot);

// The scenario a running lab was built from (for exec, ping, status...).
// Throws when there is no such lab.
struct RunningLab {
  std::string name;
  LabDir dir;
  scenario::Scenario scenario;
};
RunningLab open_lab(const std::string& lab, const std::filesystem::path& root = kDefaultStateRoot);

}  // namespace ovl::lab
