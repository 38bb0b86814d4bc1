// Runs a command inside a named network namespace the way `ip netns exec`
// does: a private mount namespace with /sys remounted for that network
// namespace, so tools that read /sys/class/net see the namespace's links.
#pragma once

#include <string>
#include <vector>

namespace ovl::os {

// Replaces the current process; returns only by throwing.
[[noreturn]] void exec_in_netns(const std::string& netns, const std::vector<std::string>& argv);

// Enters netns in the current (single-threaded, about to exec) process:
// setns plus the mount-namespace steps above.
void enter_netns_for_exec(const std::string& netns);

}  // namespace ovl::os
