// Verbs that read or write a scenario and need no root: validate, plan,
// graph, generate.
#include <iostream>

#include "core/scenario/backend_override.h"
#include "core/scenario/generate.h"
#include "core/scenario/plan.h"
#include "viz/diagrams.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {

int verb_validate(const VerbArgs& args) {
  po::options_description opts("options");
  auto a = parse(args, "overlaylab validate FILE", opts, {"file"});
  if (a.help) return kOk;
  auto loaded = load_scenario(a.vm["file"].as<std::string>());
  // The file that was read: a shipped scenario named without a path says where it is.
  std::cout << loaded.scenario.file << ": scenario '" << loaded.scenario.name << "' is valid ("
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
  auto lab = lab_name_option(a, s.name);
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

int verb_generate(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("nodes", po::value<size_t>()->default_value(2), "nodes, 1 to 1000")(
      "containers", po::value<size_t>()->default_value(1), "containers per node, 1 to 250")(
      "backend", po::value<std::string>()->default_value("udp"), "udp, vxlan or host-gw")(
      "store", po::value<std::string>()->default_value("local"), "local or etcd")(
      "name", po::value<std::string>(), "lab name (default gen-<nodes>)");
  auto a = parse(args, "overlaylab generate --nodes N [--containers C] [--backend B] [--store S] [--name LAB] > FILE",
                 opts, {});
  if (a.help) return kOk;
  scenario::GenerateOptions o;
  o.nodes = a.vm["nodes"].as<size_t>();
  o.containers = a.vm["containers"].as<size_t>();
  auto backend = scenario::parse_backend(a.vm["backend"].as<std::string>());
  if (!backend) throw UsageError("--backend must be udp, vxlan or host-gw, not '" + a.vm["backend"].as<std::string>() + "'");
  o.backend = *backend;
  auto store = a.vm["store"].as<std::string>();
  if (store != "local" && store != "etcd") throw UsageError("--store must be local or etcd, not '" + store + "'");
  o.store = store == "local" ? scenario::Store::local : scenario::Store::etcd;
  o.name = lab_name_option(a, "");
  try {
    std::cout << scenario::generate_scenario(o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return kOk;
}

}  // namespace ovl::overlaylab
