// Named network namespaces, as iproute2 keeps them: a file in /run/netns
// bind-mounted over a namespace, so `ip netns exec` and `ip -n` work on them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/os/fd.h"

namespace ovl::os {

std::string netns_path(const std::string& name);  // /run/netns/<name>

// A network namespace's identity: its nsfs inode number. Two namespaces that
// exist at the same time never share one, so a name plus an id says "the
// namespace this lab made", not merely "a namespace called that".
using NetnsId = uint64_t;

// Creates a namespace, calls claim(id) once it exists but before it has a
// name, then names it. Fails with EEXIST when the name is taken: a lab never
// adopts a namespace it did not create. If claim or naming fails, the unnamed
// namespace vanishes with its last reference.
void create_named_netns(const std::string& name, const std::function<void(NetnsId)>& claim);
// Removes the name if it is the namespace id; false, touching nothing, when
// the name belongs to another namespace. A name that is gone is not an error,
// nor one that is still the empty file an interrupted create left unmounted.
bool delete_named_netns(const std::string& name, NetnsId id);
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
