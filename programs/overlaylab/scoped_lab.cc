#include "programs/overlaylab/scoped_lab.h"

#include <cstdlib>
#include <iostream>

#include "programs/overlaylab/cli.h"

namespace ovl::overlaylab {

ScopedLab::ScopedLab(const scenario::Loaded& loaded, const std::string& name, lab::Progress* progress,
                     std::chrono::seconds external_timeout)
    : lab_{name, lab::lab_dir(state_root(), name), loaded.scenario} {
  lab::UpRequest request{&loaded.scenario, loaded.text, name};
  request.cancel = &g_interrupted;
  request.root = state_root();
  request.data_root = data_root();
  request.progress = progress;
  // Crash tests stop up after each journal entry in turn (README, tests).
  if (const char* n = std::getenv("OVERLAYLAB_CRASH_AFTER")) request.crash_after = std::strtoul(n, nullptr, 10);
  request.notes = &std::cout;
  request.external_timeout = external_timeout;
  lab::up(request, net_);
  up_ = true;
}

ScopedLab::~ScopedLab() {
  try {
    down();
  } catch (const std::exception& e) {
    std::cerr << "overlaylab: lab '" << lab_.name << "' did not come down: " << e.what() << "\n";
  }
}

void ScopedLab::down(lab::Progress* progress) {
  if (!up_) return;
  up_ = false;
  lab::down(lab_.name, net_, state_root(), progress);
}

}  // namespace ovl::overlaylab
