#include "core/os/exec.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/os/fd.h"
#include "core/os/netns.h"

namespace ovl::os {

void enter_netns_for_exec(const std::string& netns) {
  Fd fd = open_named_netns(netns);
  if (::setns(fd.get(), CLONE_NEWNET) != 0) throw_errno("entering network namespace " + netns);
  if (::unshare(CLONE_NEWNS) != 0) throw_errno("creating a mount namespace");
  // Keep our remount of /sys from propagating back to the host.
  if (::mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) != 0) throw_errno("making / a slave mount");
  if (::umount2("/sys", MNT_DETACH) != 0 && errno != EINVAL) throw_errno("unmounting /sys");
  if (::mount(netns.c_str(), "/sys", "sysfs", 0, nullptr) != 0) throw_errno("mounting /sys");
}

void exec_in_netns(const std::string& netns, const std::vector<std::string>& argv) {
  enter_netns_for_exec(netns);
  ::signal(SIGPIPE, SIG_DFL);  // overlaylab ignores it; the command should not inherit that
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  throw_errno("running " + argv[0]);
}

}  // namespace ovl::os
