// Verbs that build, enter and tear down labs: up, down, list, exec.
#include <algorithm>
#include <iostream>
#include <optional>

#include "core/lab/executor.h"
#include "core/lab/lab.h"
#include "core/os/exec.h"
#include "core/os/holders.h"
#include "core/os/linux_network_ops.h"
#include "core/scenario/names.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/json_output.h"
#include "programs/overlaylab/scoped_lab.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
int verb_up(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)")(
      "backend", po::value<std::string>(), "udp, vxlan or host-gw instead of the scenario's backend")(
      "external-timeout", po::value<int>()->default_value(300),
      "seconds to wait for each daemon=\"external\" node's subnet.env");
  opts.add(progress_options());
  auto a = parse(args,
                 "overlaylab up FILE [--name LAB] [--backend udp|vxlan|host-gw] [--external-timeout S] [--quiet] "
                 "[--timings]",
                 opts,
                 {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = scenario_for_lab(a, file);
  auto name = lab_name_option(a, loaded.scenario.name);
  int timeout = a.vm["external-timeout"].as<int>();
  if (timeout < 1) throw UsageError("--external-timeout must be at least 1 second");
  require_root("up");
  install_interrupt_handlers();
  auto progress = progress_line(a, "up");
  try {
    ScopedLab(loaded, name, progress.get(), std::chrono::seconds(timeout)).keep();
  } catch (const lab::Interrupted&) {
    progress.reset();
    std::cerr << "overlaylab up: interrupted; lab '" << name << "' was rolled back\n";
    return kFailed;
  }
  print_timings(a, *progress);
  progress.reset();
  std::cout << "lab '" << name << "' is up: " << loaded.scenario.nodes.size() << " nodes; `overlaylab down " << name
            << "` removes it\n";
  return kOk;
}

namespace {

// A daemon the user started in an external node is not the lab's to stop,
// but it keeps that node's namespace alive after `down`: say so.
void warn_about_external_daemons(const std::string& name) {
  std::optional<lab::RunningLab> lab;
  try {
    lab = lab::open_lab(name, state_root());
  } catch (const std::exception&) {
    return;  // no lab, or no scenario left to read: down says what it can
  }
  for (const auto& node : lab->scenario.nodes) {
    if (!node.external()) continue;
    for (const auto& p : os::netns_processes(scenario::netns_name(name, node.name)))
      std::cerr << "overlaylab down: " << p.str() << " runs in " << node.name
                << " (daemon=\"external\"); the lab did not start it and leaves it alone, but it keeps "
                << node.name << "'s namespace alive until it exits: `kill " << p.pid << "`\n";
  }
}

}  // namespace

int verb_down(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("all", "tear down every lab on this machine");
  opts.add(progress_options());
  auto a = parse(args, "overlaylab down LAB | --all [--quiet] [--timings]", opts, {"lab?"});
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
    labs.push_back(lab_argument(a));
  int status = kOk;
  for (const auto& name : labs) {
    try {
      warn_about_external_daemons(name);
      auto progress = progress_line(a, "down");
      if (lab::down(name, net, state_root(), progress.get())) {
        print_timings(a, *progress);
        progress.reset();
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
  opts.add_options()("json", "print them as one JSON object (overlaylab(1) lists its keys)");
  auto a = parse(args, "overlaylab list [--json]", opts, {});
  if (a.help) return kOk;
  auto labs = lab::list(state_root());
  if (a.vm.count("json")) {
    std::cout << list_json(labs).dump(2) << "\n";
    return kOk;
  }
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
  auto lab = lab::open_lab(lab_argument(a), state_root());
  auto host = a.vm["host"].as<std::string>();
  require_host(lab, host);
  os::exec_in_netns(scenario::netns_name(lab.name, host), command);
}

}  // namespace ovl::overlaylab

