// Processes a lab starts (etcd, overlayd, the supervisor) and how they are
// stopped. A pid alone is not an identity (pids are reused), so every record
// pairs it with the kernel's start time from /proc/<pid>/stat; nothing is
// signalled unless both match.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ovl::os {

struct ProcessId {
  pid_t pid = 0;
  uint64_t start_time = 0;  // clock ticks since boot, field 22 of /proc/<pid>/stat
  std::string str() const { return std::to_string(pid) + " " + std::to_string(start_time); }
  static std::optional<ProcessId> parse(const std::string& text);  // "pid start_time"
};

std::optional<uint64_t> process_start_time(pid_t pid);
std::optional<ProcessId> identify(pid_t pid);
// The process exists, has not exited (a zombie counts as gone) and is the
// same one (start time matches).
bool alive(const ProcessId& id);

// User plus system CPU time the process has used, in seconds; nullopt once
// it is gone.
std::optional<double> cpu_seconds(const ProcessId& id);

// SIGTERM, then SIGKILL after grace; a no-op for a process that is gone or
// is not the one recorded. Returns once it is gone (or after grace + 1 s).
void terminate(const ProcessId& id, std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
// The same for many at once: all are asked to stop before any is waited for.
void terminate_all(const std::vector<ProcessId>& ids, std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

// A line the child writes about itself, between fork and exec: before +
// "<pid> <start_time>" + after, appended to fd (opened O_APPEND). The
// process is then on record before its program runs, so no moment exists
// in which a crash of the parent leaves it running unrecorded.
struct SpawnRecord {
  int fd = -1;  // -1: no record
  std::string before, after;
};

struct SpawnRequest {
  std::vector<std::string> argv;         // argv[0] is the program path
  std::string netns;                     // named network namespace to run in; "" for ours
  std::filesystem::path log;             // stdout and stderr, appended
  std::filesystem::path cwd = "/";
  bool new_session = true;               // survive the parent's terminal
  bool die_with_parent = false;          // SIGTERM when the thread that spawned it dies
  SpawnRecord record;
};

// A child started with Boost.Process; it entered req.netns before exec.
// The caller must reap it (Child::exited) or let it be reparented.
class Child {
 public:
  explicit Child(const SpawnRequest& req);
  ~Child();
  Child(Child&&) noexcept;
  Child& operator=(Child&&) noexcept;

  const ProcessId& id() const { return id_; }
  // Reaps without blocking; true once it has exited (status then holds a
  // description: "exited with status 1", "killed by signal 9").
  bool exited(std::string* status = nullptr);
  // Leaves the process running, unowned (it is reparented when we exit).
  void detach();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ProcessId id_;
};

// Path of the running executable, and of a sibling program beside it.
std::filesystem::path self_exe();

}  // namespace ovl::os
