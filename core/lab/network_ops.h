// The seam between building a lab and the kernel: the executor applies plan
// steps through this interface; core/linux implements it with netlink, and
// tests use a fake that simulates namespaces in memory.
#pragma once

#include <string>

#include "core/scenario/plan.h"

namespace ovl::lab {

class NetworkOps {
 public:
  virtual ~NetworkOps() = default;
  virtual bool netns_exists(const std::string& ns) = 0;
  // Every Op but WriteFile, which the executor handles itself.
  virtual void apply(const scenario::Op& op) = 0;
  // Idempotent; removes everything inside the namespace with it.
  virtual void delete_netns(const std::string& ns) = 0;
};

}  // namespace ovl::lab
