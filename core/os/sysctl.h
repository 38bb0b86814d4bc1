// sysctl through /proc/sys, read and written from inside a network namespace
// (net.* keys are per namespace).
#pragma once

#include <string>

namespace ovl::os {

// key in dotted form, "net.ipv4.ip_forward", or as a path under /proc/sys
// when a part holds a dot ("net/ipv4/conf/flannel.1/accept_local").
// netns_fd < 0: the current namespace.
void write_sysctl(int netns_fd, const std::string& key, const std::string& value);
std::string read_sysctl(int netns_fd, const std::string& key);

}  // namespace ovl::os
