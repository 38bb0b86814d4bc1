// Waiting for a directory's contents to change (inotify): how a LocalStore
// watcher learns that another process appended to the change log, without
// polling.
#pragma once

#include <chrono>
#include <filesystem>

#include "core/os/fd.h"

namespace ovl::os {

class DirWatch {
 public:
  // Watches files in dir being written, created, renamed or removed (not
  // subdirectories' contents). Throws std::system_error.
  explicit DirWatch(const std::filesystem::path& dir);

  // Waits up to timeout for a change since construction or the previous
  // wait; true if there was one. Changes that happened before the call are
  // reported at once, so nothing falls between a check and the wait.
  bool wait(std::chrono::milliseconds timeout);

 private:
  Fd fd_;
  std::filesystem::path dir_;
};

}  // namespace ovl::os
