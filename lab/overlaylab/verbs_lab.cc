// Verbs that build, enter and tear down labs: up, down, list, exec, ping.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>

#include "core/lab/hosts.h"
#include "core/lab/executor.h"
#include "core/lab/lab.h"
#include "core/linux/exec.h"
#include "core/linux/linux_network_ops.h"
#include "core/linux/ping.h"
#include "core/net/packet.h"
#include "core/scenario/backend_override.h"
#include "core/scenario/names.h"
#include "lab/overlaylab/cli.h"
#include "lab/overlaylab/verbs.h"

namespace ovl::cli {
namespace {

std::string lab_name_option(const Args& a, const scenario::Scenario& s) {
  if (!a.vm.count("name")) return s.name;
  auto name = a.vm["name"].as<std::string>();
  bool ok = !name.empty() && name.size() <= 24 &&
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!ok) throw UsageError("lab name '" + name + "' must be 1 to 24 of a-z, 0-9 and '-'");
  return name;
}

// The scenario `up` builds: the file as it is or, with --backend, rewritten
// for that backend and validated again (so that, say, host-gw across a
// router is warned about). The lab keeps its text.
scenario::Loaded scenario_for_up(const Args& a, const std::string& file) {
  auto loaded = load_scenario(file);
  if (!a.vm.count("backend")) return loaded;
  auto name = a.vm["backend"].as<std::string>();
  auto backend = scenario::parse_backend(name);
  if (!backend) throw UsageError("--backend must be udp, vxlan or host-gw, not '" + name + "'");
  std::vector<std::string> notes;
  auto changed = scenario::reload_with_backend(loaded, *backend, &notes);
  for (const auto& note : notes) std::cout << file << ": " << note << "\n";
  std::cerr << changed.diags.format();
  if (!changed.ok()) throw BadScenario();
  return changed;
}

}  // namespace

int verb_up(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)")(
      "backend", po::value<std::string>(), "udp, vxlan or host-gw instead of the scenario's backend");
  auto a = parse(args, "overlaylab up FILE [--name LAB] [--backend udp|vxlan|host-gw]", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = scenario_for_up(a, file);
  require_root("up");
  install_interrupt_handlers();
  lab::UpRequest request{&loaded.scenario, loaded.text, lab_name_option(a, loaded.scenario)};
  request.cancel = &g_interrupted;
  request.root = state_root();
  os::LinuxNetworkOps net;
  try {
    lab::up(request, net);
  } catch (const lab::Interrupted&) {
    std::cerr << "overlaylab up: interrupted; lab '" << request.lab << "' was rolled back\n";
    return kFailed;
  }
  std::cout << "lab '" << request.lab << "' is up: " << loaded.scenario.nodes.size()
            << " nodes; `overlaylab down " << request.lab << "` removes it\n";
  return kOk;
}

int verb_down(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("all", "tear down every lab on this machine");
  auto a = parse(args, "overlaylab down LAB | --all", opts, {"lab?"});
  if (a.help) return kOk;
  bool all = a.vm.count("all");
  if (all == bool(a.vm.count("lab")))
    throw UsageError("name one lab or give --all (usage: overlaylab down LAB | --all)");
  require_root("down");
  os::LinuxNetworkOps net;
  std::vector<std::string> labs;
  if (all)
    for (const auto& l : lab::list(state_root())) labs.push_back(l.name);
  else
    labs.push_back(a.vm["lab"].as<std::string>());
  int status = kOk;
  for (const auto& name : labs) {
    try {
      if (lab::down(name, net, state_root())) {
        std::cout << "lab '" << name << "' is down\n";
      } else {
        std::cerr << "overlaylab down: there is no lab '" << name << "' (see `overlaylab list`)\n";
        status = kFailed;
      }
    } catch (const std::exception& e) {
      std::cerr << "overlaylab down: lab '" << name << "': " << e.what() << "\n";
      status = kFailed;
    }
  }
  return status;
}

int verb_list(const VerbArgs& args) {
  po::options_description opts("options");
  auto a = parse(args, "overlaylab list", opts, {});
  if (a.help) return kOk;
  auto labs = lab::list(state_root());
  if (labs.empty()) std::cout << "no labs\n";
  for (const auto& l : labs)
    std::cout << l.name << "  " << (l.complete ? "up" : "incomplete (overlaylab down " + l.name + ")")
              << "  " << l.namespaces << " namespaces\n";
  return kOk;
}

int verb_exec(const VerbArgs& args) {
  auto dashes = std::find(args.begin(), args.end(), "--");
  VerbArgs own(args.begin(), dashes), command(dashes == args.end() ? dashes : dashes + 1, args.end());
  po::options_description opts("options");
  auto a = parse(own, "overlaylab exec LAB HOST -- COMMAND [ARGS...]", opts, {"lab", "host"});
  if (a.help) return kOk;
  if (command.empty()) throw UsageError("give a command after -- (overlaylab exec LAB HOST -- ip route)");
  require_root("exec");
  auto lab = lab::open_lab(a.vm["lab"].as<std::string>(), state_root());
  auto host = a.vm["host"].as<std::string>();
  if (!lab.scenario.has_host(host))
    throw UsageError("lab '" + lab.name + "' has no host '" + host + "'" +
                     scenario::did_you_mean(host, lab.scenario.host_names()));
  os::exec_in_netns(scenario::netns_name(lab.name, host), command);
}

}  // namespace ovl::cli

