// A lab that a verb brings up for its own work (run, compare, bench) and
// takes down again whatever happens, unless the verb keeps it (run --keep).
#pragma once

#include <chrono>
#include <string>

#include "core/lab/lab.h"
#include "core/os/linux_network_ops.h"
#include "core/scenario/validate.h"

namespace ovl::overlaylab {

class ScopedLab {
 public:
  // Builds the lab from loaded (its text is what the lab keeps), reporting
  // its phases to progress, telling the user on stdout how to start external
  // daemons and waiting up to external_timeout for each. Ctrl-C rolls the lab
  // back and throws lab::Interrupted.
  ScopedLab(const scenario::Loaded& loaded, const std::string& name, lab::Progress* progress = nullptr,
            std::chrono::seconds external_timeout = std::chrono::seconds(300));
  // Takes the lab down unless it was kept or is down already; a failure is
  // reported on stderr.
  ~ScopedLab();
  ScopedLab(const ScopedLab&) = delete;
  ScopedLab& operator=(const ScopedLab&) = delete;

  const lab::RunningLab& lab() const { return lab_; }
  os::LinuxNetworkOps& net() { return net_; }

  // Takes the lab down now; throws when objects were left behind.
  void down(lab::Progress* progress = nullptr);
  // Leaves the lab up.
  void keep() { up_ = false; }

 private:
  lab::RunningLab lab_;
  os::LinuxNetworkOps net_;
  bool up_ = false;
};

}  // namespace ovl::overlaylab
