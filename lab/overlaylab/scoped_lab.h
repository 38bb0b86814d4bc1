// A lab that a verb brings up for its own measurements and takes down again
// whatever happens (bench and compare).
#pragma once

#include <string>

#include "core/linux/linux_network_ops.h"
#include "core/scenario/validate.h"

namespace ovl::cli {

class ScopedLab {
 public:
  // Builds the lab from loaded (its text is what the lab keeps).
  ScopedLab(const scenario::Loaded& loaded, const std::string& name);
  ~ScopedLab();
  ScopedLab(const ScopedLab&) = delete;
  ScopedLab& operator=(const ScopedLab&) = delete;

  const std::string& name() const { return name_; }
  os::LinuxNetworkOps& net() { return net_; }

 private:
  std::string name_;
  os::LinuxNetworkOps net_;
};

}  // namespace ovl::cli
