#include "lab/overlaylab/scoped_lab.h"

#include <iostream>

#include "core/lab/lab.h"
#include "lab/overlaylab/cli.h"

namespace ovl::cli {

ScopedLab::ScopedLab(const scenario::Loaded& loaded, const std::string& name) : name_(name) {
  lab::UpRequest request{&loaded.scenario, loaded.text, name};
  request.cancel = &g_interrupted;
  request.root = state_root();
  lab::up(request, net_);
}

ScopedLab::~ScopedLab() {
  try {
    lab::down(name_, net_, state_root());
  } catch (const std::exception& e) {
    std::cerr << "overlaylab: lab '" << name_ << "' did not come down: " << e.what() << "\n";
  }
}

}  // namespace ovl::cli
