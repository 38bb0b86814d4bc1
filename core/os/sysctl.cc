#include "core/os/sysctl.h"

#include <fcntl.h>

#include <algorithm>
#include <optional>

#include "core/os/fd.h"
#include "core/os/netns.h"

namespace ovl::os {
namespace {

// "net.ipv4.ip_forward", or a path ("net/ipv4/conf/flannel.1/accept_ra")
// when a component holds a dot, as an interface name may.
std::string proc_path(std::string key) {
  if (key.find('/') == std::string::npos) std::replace(key.begin(), key.end(), '.', '/');
  return "/proc/sys/" + key;
}

// /proc/sys/net resolves to the namespace of the thread that opens it.
Fd open_in(int netns_fd, const std::string& path, int flags) {
  std::optional<NetnsScope> scope;
  if (netns_fd >= 0) scope.emplace(netns_fd);
  return Fd(::open(path.c_str(), flags | O_CLOEXEC));
}

}  // namespace

void write_sysctl(int netns_fd, const std::string& key, const std::string& value) {
  Fd fd = open_in(netns_fd, proc_path(key), O_WRONLY);
  if (!fd) throw_errno("opening sysctl " + key);
  if (::write(fd.get(), value.data(), value.size()) != ssize_t(value.size()))
    throw_errno("setting sysctl " + key + "=" + value);
}

std::string read_sysctl(int netns_fd, const std::string& key) {
  Fd fd = open_in(netns_fd, proc_path(key), O_RDONLY);
  if (!fd) throw_errno("opening sysctl " + key);
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) throw_errno("reading sysctl " + key);
  std::string out(buf, size_t(n));
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace ovl::os
