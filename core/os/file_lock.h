// An exclusive advisory lock on a file (flock), released on destruction or
// when the process dies, so a killed `overlaylab up` never leaves it held.
#pragma once

#include <filesystem>

#include "core/os/fd.h"

namespace ovl::os {

class FileLock {
 public:
  // Waits for the lock when wait is true; else throws if another holds it.
  FileLock(const std::filesystem::path& path, bool wait);
  FileLock(FileLock&&) = default;

 private:
  Fd fd_;
};

}  // namespace ovl::os
