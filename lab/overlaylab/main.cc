// overlaylab: build container overlay labs from XML scenarios and watch
// packets cross them. This file only dispatches; verbs live beside it and the
// work is done in core/.
#include <csignal>
#include <cstring>
#include <iostream>
#include <iterator>
#include <vector>

#include "lab/overlaylab/cli.h"
#include "lab/overlaylab/verbs.h"

namespace {

struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const ovl::cli::VerbArgs&);
};

const Verb kVerbs[] = {
    {"validate", "check a scenario file and report every problem", ovl::cli::verb_validate},
    {"plan", "print the commands that would build a scenario's lab", ovl::cli::verb_plan},
    {"graph", "draw a scenario's topology as DOT and SVG (no lab needed)", ovl::cli::verb_graph},
    {"up", "build a lab from a scenario and leave it running", ovl::cli::verb_up},
    {"down", "tear down a lab (or --all), leaving nothing behind", ovl::cli::verb_down},
    {"list", "list the labs on this machine", ovl::cli::verb_list},
    {"exec", "run a command inside a lab host: exec LAB HOST -- CMD...", ovl::cli::verb_exec},
    {"ping", "send ICMP echo between two lab hosts: ping LAB FROM TO", ovl::cli::verb_ping},
    {"run", "up, the scenario's probes traced hop by hop, expectations, down", ovl::cli::verb_run},
    {"trace", "trace a probe hop by hop in a running lab: trace LAB FROM TO", ovl::cli::verb_trace},
    {"compare", "run the scenario's probes on udp, vxlan and host-gw; one table", ovl::cli::verb_compare},
    {"status", "leases, peers and counters of each node's overlayd", ovl::cli::verb_status},
    {"stop", "stop a node's overlayd (or --etcd) and keep it stopped", ovl::cli::verb_stop},
    {"start", "start what stop stopped", ovl::cli::verb_start},
    {"restart", "stop and start a node's overlayd (or --etcd)", ovl::cli::verb_restart},
    {"bench", "iperf3 between containers on every backend and data plane", ovl::cli::verb_bench},
};

// Started by `up`, not by users; not listed.
const Verb kHidden[] = {
    {"__supervise", "", ovl::cli::verb_supervise},
};

void usage(std::ostream& out) {
  out << "usage: overlaylab VERB [options]   (overlaylab VERB --help for details)\n\nverbs:\n";
  for (const auto& v : kVerbs) out << "  " << v.name << std::string(10 - std::strlen(v.name), ' ') << v.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Output piped into `head` must not kill a verb before it tears down what
  // it built: writes then fail quietly instead.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? ovl::cli::kBadInput : ovl::cli::kOk;
  }
  std::vector<Verb> verbs(std::begin(kVerbs), std::end(kVerbs));
  verbs.insert(verbs.end(), std::begin(kHidden), std::end(kHidden));
  for (const auto& verb : verbs) {
    if (std::strcmp(verb.name, argv[1]) != 0) continue;
    try {
      return verb.run(ovl::cli::VerbArgs(argv + 2, argv + argc));
    } catch (const ovl::cli::BadScenario&) {
      return ovl::cli::kBadInput;
    } catch (const ovl::cli::UsageError& e) {
      std::cerr << "overlaylab " << verb.name << ": " << e.what() << "\n";
      return ovl::cli::kBadInput;
    } catch (const std::exception& e) {
      std::cerr << "overlaylab " << verb.name << ": " << e.what() << "\n";
      return ovl::cli::kFailed;
    }
  }
  std::cerr << "overlaylab: unknown verb '" << argv[1] << "'\n";
  usage(std::cerr);
  return ovl::cli::kBadInput;
}
