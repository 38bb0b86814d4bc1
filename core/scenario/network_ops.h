// The seam between building a lab and the kernel: the executor applies plan
// steps through this interface; core/os implements it with netlink, and
// tests use a fake that simulates namespaces in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/scenario/plan.h"

namespace ovl::scenario {

// Which namespace a name was given to (its nsfs inode on Linux).
using NetnsId = uint64_t;

struct RemoteFdb {
  net::Mac mac;
  net::Ipv4 dst;
  bool operator==(const RemoteFdb&) const = default;
};

class NetworkOps {
 public:
  virtual ~NetworkOps() = default;
  virtual bool netns_exists(const std::string& ns) = 0;
  // Makes the namespace; claim(id) runs after it exists and before it has
  // its name, which is where the executor journals it. Fails with EEXIST,
  // leaving the existing one alone, when the name is taken.
  virtual void create_netns(const std::string& ns, const std::function<void(NetnsId)>& claim) = 0;
  // Every Op but CreateNetns and WriteFile, which the executor handles.
  virtual void apply(const Op& op) = 0;
  // The remote FDB entries (VXLAN destinations) of dev in ns.
  virtual std::vector<RemoteFdb> fdb(const std::string& ns, const std::string& dev) = 0;
  // Removes the namespace, and everything inside it, if the name still
  // belongs to namespace id; false when it belongs to another (someone
  // else's, never ours to delete). A name that is gone is not an error.
  virtual bool delete_netns(const std::string& ns, NetnsId id) = 0;
};

}  // namespace ovl::scenario
