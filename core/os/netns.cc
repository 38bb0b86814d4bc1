#include "core/os/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace ovl::os {
namespace {

constexpr const char* kNetnsDir = "/run/netns";

// As iproute2 does: make /run/netns a shared mount point so that namespace
// mounts made here propagate to other mount namespaces (and theirs to ours).
// Once per process: remounting walks every mount below it, so doing it per
// namespace made building n namespaces cost n^2.
void make_netns_dir_shared() {
  if (::mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + kNetnsDir);
  if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) throw_errno(std::string("making ") + kNetnsDir + " a shared mount");
  if (::mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) != 0)
    throw_errno(std::string("bind-mounting ") + kNetnsDir);
  if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0)
    throw_errno(std::string("making ") + kNetnsDir + " a shared mount");
}

void prepare_netns_dir() {
  static std::once_flag once;
  std::call_once(once, make_netns_dir_shared);
}

Fd open_current_netns() {
  Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("opening this thread's network namespace");
  return fd;
}

}  // namespace

std::string netns_path(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

void create_named_netns(const std::string& name, const std::function<void(NetnsId)>& claim) {
  prepare_netns_dir();
  Fd created = [] {
    Fd original = open_current_netns();
    if (::unshare(CLONE_NEWNET) != 0) throw_errno("creating a network namespace");
    Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    int open_err = fd ? 0 : errno;
    if (::setns(original.get(), CLONE_NEWNET) != 0) {
      // The thread is stranded in the new namespace: no safe way to continue.
      std::perror("overlaylab: returning to the original network namespace");
      std::abort();
    }
    if (open_err) throw_errno("opening a new network namespace", open_err);
    return fd;
  }();
  struct stat st;
  if (::fstat(created.get(), &st) != 0) throw_errno("reading a new network namespace's identity");
  claim(st.st_ino);
  auto path = netns_path(name);
  Fd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!file) throw_errno("creating " + path);
  file.reset();
  auto source = "/proc/self/fd/" + std::to_string(created.get());
  if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    throw_errno("mounting network namespace " + name, err);
  }
}

bool delete_named_netns(const std::string& name, NetnsId id) {
  auto path = netns_path(name);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    throw_errno("reading " + path);
  }
  struct stat nsfs;
  if (::stat("/proc/self/ns/net", &nsfs) != 0) throw_errno("reading this process's network namespace");
  if (st.st_dev != nsfs.st_dev) {
    // Not a namespace but the empty file create_named_netns mounts it on: a
    // create interrupted between the two (SIGKILL) leaves it behind, holding
    // nothing. The journal claimed the name, so it is ours to clear.
    if (!S_ISREG(st.st_mode) || st.st_size != 0) return false;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("removing " + path);
    return true;
  }
  if (st.st_ino != id) return false;
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw_errno("unmounting " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("removing " + path);
  return true;
}

bool named_netns_exists(const std::string& name) {
  struct stat st;
  return ::stat(netns_path(name).c_str(), &st) == 0;
}

Fd open_named_netns(const std::string& name) {
  Fd fd(::open(netns_path(name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("opening network namespace " + name);
  return fd;
}

NetnsScope::NetnsScope(int netns_fd) : original_(open_current_netns()) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) throw_errno("entering a network namespace");
}

NetnsScope::~NetnsScope() {
  if (::setns(original_.get(), CLONE_NEWNET) != 0) {
    std::perror("overlaylab: returning to the original network namespace");
    std::abort();
  }
}

}  // namespace ovl::os
