// The lab journal: an append-only record of everything a lab creates, written
// *before* each object is made, so that teardown after a crash at any point
// knows every object that may exist, and touches nothing else.
//
//   netns ovl-two-node.node1 4026532 a namespace and its nsfs inode, recorded
//                                     once it exists, before it is named
//   step ip -n ... addr add ...       an object inside a namespace (for humans)
//   dir /var/lib/overlaylab/x.123     a directory outside the state dir, removed whole
//   proc 4242 123456 overlayd@node1   a process: pid, start time, role; written
//                                     by the process itself before it execs
//   up                                the lab finished building
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/os/process.h"

namespace ovl::lab {

// The role the lab supervisor's proc entry carries.
inline constexpr const char* kSupervisorRole = "supervisor";

struct JournalEntry {
  std::string kind;  // "netns", "step", "proc", "up", ...
  std::string rest;  // the rest of the line
};

class Journal {
 public:
  // Opens (creating if needed) for appending.
  explicit Journal(const std::filesystem::path& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends and syncs one line.
  void record(const std::string& kind, const std::string& rest = "");
  // A netns entry: the namespace id was made by this lab for name.
  void record_netns(const std::string& name, uint64_t id);
  // How a process records itself here before its program runs
  // (os::SpawnRecord): a proc entry; role is the service's name or
  // kSupervisorRole.
  os::SpawnRecord process_record(const std::string& role) const;

  static std::vector<JournalEntry> read(const std::filesystem::path& path);

  // For crash tests: SIGKILL this process right after it writes its nth
  // entry (0: never), the moment the journal says more than exists.
  void crash_after(size_t nth) { crash_after_ = nth; }

 private:
  int fd_;
  size_t written_ = 0, crash_after_ = 0;
  std::filesystem::path path_;
};

struct JournalNetns {
  std::string name;
  uint64_t id;
};
// The netns entries, oldest first.
std::vector<JournalNetns> journal_namespaces(const std::vector<JournalEntry>& entries);

struct JournalProcess {
  os::ProcessId id;
  std::string role;
};
// The proc entries, oldest first.
std::vector<JournalProcess> journal_processes(const std::vector<JournalEntry>& entries);

}  // namespace ovl::lab
