#include "core/os/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <stdexcept>

namespace ovl::os {

FileLock::FileLock(const std::filesystem::path& path, bool wait)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (!fd_) throw_errno("opening lock file " + path.string());
  if (::flock(fd_.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) return;
  if (errno == EWOULDBLOCK)
    throw std::runtime_error("another overlaylab is changing this lab right now (" + path.string() +
                             " is locked)");
  throw_errno("locking " + path.string());
}

}  // namespace ovl::os
