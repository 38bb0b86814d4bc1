// Waiting for a directory's contents to change (inotify): how a LocalStore
// watcher learns that another process appended to the change log, without
// polling; or, asked to, by polling. An inotify instance is a scarce thing
// shared by every process of a user (fs.inotify.max_user_instances, 128 on
// Debian): a 1000-node lab holding one per daemon took them all, and other
// programs of root's (systemd, tail -f, the next test) failed for want of one.
#pragma once

#include <chrono>
#include <filesystem>

#include "core/os/fd.h"

namespace ovl::os {

class DirWatch {
 public:
  // Watches files in dir being written, created, renamed or removed (not
  // subdirectories' contents). With a poll interval, or when the user has
  // no inotify instance or watch left, holds none and only sleeps that long
  // (kPollInterval for the latter). Throws std::system_error.
  explicit DirWatch(const std::filesystem::path& dir, std::chrono::milliseconds poll = {});

  // Waits up to timeout for a change since construction or the previous
  // wait; true if there was one (or, polling, may have been). Changes that
  // happened before the call are reported at once, so nothing falls between
  // a check and the wait.
  bool wait(std::chrono::milliseconds timeout);

  bool polling() const { return !fd_; }

  // How often a watcher that holds no instance looks; a lab asks its
  // daemons for this when it is too large for one instance each (an idle
  // 1000-node lab polling every 200 ms kept both cores busy).
  static constexpr std::chrono::milliseconds kPollInterval{1000};

 private:
  Fd fd_;
  std::filesystem::path dir_;
  std::chrono::milliseconds poll_;
};

}  // namespace ovl::os
