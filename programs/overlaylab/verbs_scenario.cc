// Verbs that read a scenario and need no root: validate, plan.
#include <iostream>

#include "core/scenario/plan.h"
#include "viz/diagrams.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {

int verb_validate(const VerbArgs& args) {
  po::options_description opts("options");
  auto a = parse(args, "overlaylab validate FILE", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = load_scenario(file);
  std::cout << file << ": scenario '" << loaded.scenario.name << "' is valid ("
            << loaded.scenario.nodes.size() << " nodes, " << to_string(loaded.scenario.overlay.backend)
            << " backend)\n";
  return kOk;
}

int verb_plan(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)");
  auto a = parse(args, "overlaylab plan FILE [--name LAB]", opts, {"file"});
  if (a.help) return kOk;
  auto loaded = load_scenario(a.vm["file"].as<std::string>());
  const auto& s = loaded.scenario;
  auto lab = a.vm.count("name") ? a.vm["name"].as<std::string>() : s.name;
  std::cout << scenario::plan_document(s, lab, scenario::predict_leases(s));
  return kOk;
}

int verb_graph(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("out", po::value<std::string>()->default_value("."), "directory for topology.dot and .svg");
  auto a = parse(args, "overlaylab graph FILE [--out DIR]", opts, {"file"});
  if (a.help) return kOk;
  auto loaded = load_scenario(a.vm["file"].as<std::string>());
  const auto& s = loaded.scenario;
  std::filesystem::path out = a.vm["out"].as<std::string>();
  viz::write_rendered(viz::render_topology(s, scenario::predict_leases(s)), out, "topology");
  std::cout << "wrote " << (out / "topology.dot").string() << " and topology.svg"
            << " (leases as predicted; a live lab's come from its daemons)\n";
  return kOk;
}

}  // namespace ovl::overlaylab
