// The hidden __complete verb: the names the shell completion offers
// (dist/bash-completion/overlaylab), one a line. The completion asks the
// program rather than reading /run/overlaylab itself, so it follows the
// state root and the lab format wherever they go.
//
//   overlaylab __complete labs         the labs on this machine
//   overlaylab __complete hosts LAB    LAB's nodes, containers and routers
//   overlaylab __complete nodes LAB    LAB's nodes
//   overlaylab __complete scenarios    the shipped scenarios' names
//
// Completion must never print an error into the user's command line:
// anything unknown yields no names and status 0.
#include <iostream>

#include "core/lab/lab.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/shipped.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace {

std::vector<std::string> names(const std::string& what, const std::string& lab) {
  std::vector<std::string> out;
  if (what == "labs") {
    for (const auto& l : lab::list(state_root())) out.push_back(l.name);
  } else if (what == "hosts" || what == "nodes") {
    auto running = lab::open_lab(lab, state_root());
    if (what == "hosts") return running.scenario.host_names();
    for (const auto& node : running.scenario.nodes) out.push_back(node.name);
  } else if (what == "scenarios") {
    return shipped_scenarios();
  }
  return out;
}

}  // namespace

int verb_complete(const VerbArgs& args) {
  try {
    for (const auto& name : names(args.empty() ? "" : args[0], args.size() > 1 ? args[1] : ""))
      std::cout << name << "\n";
  } catch (const std::exception&) {  // no such lab, no state yet: nothing to offer
  }
  return kOk;
}

}  // namespace ovl::overlaylab
