// Named network namespaces, as iproute2 keeps them: a file in /run/netns
// bind-mounted over a namespace, so `ip netns exec` and `ip -n` work on them.
#pragma once

#include <string>

#include "core/linux/fd.h"

namespace ovl::os {

std::string netns_path(const std::string& name);  // /run/netns/<name>

// Fails with EEXIST when the name is taken: a lab never adopts a namespace it
// did not create.
void create_named_netns(const std::string& name);
// Idempotent: a namespace that is already gone is not an error.
void delete_named_netns(const std::string& name);
bool named_netns_exists(const std::string& name);
Fd open_named_netns(const std::string& name);

// Moves the calling thread into a network namespace until destroyed. Sockets
// made meanwhile stay bound to that namespace for life.
class NetnsScope {
 public:
  explicit NetnsScope(int netns_fd);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  Fd original_;
};

}  // namespace ovl::os
