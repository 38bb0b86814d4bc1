#include "core/os/dir_watch.h"

#include <poll.h>
#include <sys/inotify.h>

#include <algorithm>
#include <thread>

namespace ovl::os {
namespace {

// Reads and discards every queued event; the caller only needs to know that
// something changed.
void drain(int fd, const std::filesystem::path& dir) {
  alignas(inotify_event) char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) throw_errno("reading inotify events for " + dir.string());
    return;
  }
}

bool out_of_inotify(int err) { return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOSPC; }

}  // namespace

DirWatch::DirWatch(const std::filesystem::path& dir, std::chrono::milliseconds poll) : dir_(dir), poll_(poll) {
  if (poll_.count() > 0) return;
  poll_ = kPollInterval;
  fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_) {
    if (out_of_inotify(errno)) return;
    throw_errno("creating an inotify instance for " + dir.string());
  }
  // Not IN_CLOSE_WRITE: closing a file merely opened read-write (a lock
  // file) would wake the watcher for nothing, over and over.
  uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
  if (::inotify_add_watch(fd_.get(), dir.c_str(), mask) < 0) {
    int err = errno;
    fd_.reset();
    if (out_of_inotify(err)) return;
    throw_errno("watching " + dir.string(), err);
  }
}

bool DirWatch::wait(std::chrono::milliseconds timeout) {
  if (polling()) {
    auto nap = std::clamp(timeout, std::chrono::milliseconds(0), poll_);
    std::this_thread::sleep_for(nap);
    return nap == poll_;
  }
  pollfd p{fd_.get(), POLLIN, 0};
  int ms = int(std::clamp<int64_t>(timeout.count(), 0, 1 << 30));
  int n = ::poll(&p, 1, ms);
  if (n < 0 && errno == EINTR) return false;  // the caller re-checks and waits again
  if (n < 0) throw_errno("waiting for changes in " + dir_.string());
  if (n == 0) return false;
  drain(fd_.get(), dir_);
  return true;
}

}  // namespace ovl::os
