// overlaylab: build container overlay labs from XML scenarios and watch
// packets cross them. This file only dispatches; verbs live beside it and the
// work is done in core/.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <iterator>
#include <vector>

#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/verbs.h"

namespace {

struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const ovl::overlaylab::VerbArgs&);
};

const Verb kVerbs[] = {
    {"validate", "check a scenario file and report every problem", ovl::overlaylab::verb_validate},
    {"plan", "print the commands that would build a scenario's lab", ovl::overlaylab::verb_plan},
    {"graph", "draw a scenario's topology as DOT and SVG (no lab needed)", ovl::overlaylab::verb_graph},
    {"generate", "print a scenario of N nodes with C containers each", ovl::overlaylab::verb_generate},
    {"up", "build a lab from a scenario and leave it running", ovl::overlaylab::verb_up},
    {"down", "tear down a lab (or --all), leaving nothing behind", ovl::overlaylab::verb_down},
    {"list", "list the labs on this machine", ovl::overlaylab::verb_list},
    {"exec", "run a command inside a lab host: exec LAB HOST -- CMD...", ovl::overlaylab::verb_exec},
    {"ping", "send ICMP echo between two lab hosts: ping LAB FROM TO", ovl::overlaylab::verb_ping},
    {"run", "up, the scenario's probes traced hop by hop, expectations, down", ovl::overlaylab::verb_run},
    {"trace", "trace a probe hop by hop in a running lab: trace LAB FROM TO", ovl::overlaylab::verb_trace},
    {"step", "trace a probe and walk it hop by hop in the terminal: step LAB FROM TO", ovl::overlaylab::verb_step},
    {"compare", "run the scenario's probes on udp, vxlan and host-gw; one table", ovl::overlaylab::verb_compare},
    {"status", "leases, peers and counters of each node's overlayd", ovl::overlaylab::verb_status},
    {"stop", "stop a node's overlayd (or --etcd) and keep it stopped", ovl::overlaylab::verb_stop},
    {"start", "start what stop stopped", ovl::overlaylab::verb_start},
    {"restart", "stop and start a node's overlayd (or --etcd)", ovl::overlaylab::verb_restart},
    {"bench", "iperf3 between containers on every backend and data plane", ovl::overlaylab::verb_bench},
    {"wireshark-setup", "install the Wireshark plugin that decodes Flannel's udp and vxlan packets",
     ovl::overlaylab::verb_wireshark_setup},
};

// Started by `up` and by the shell's completion, not by users; not listed.
const Verb kHidden[] = {
    {"__supervise", "", ovl::overlaylab::verb_supervise},
    {"__complete", "", ovl::overlaylab::verb_complete},
};

void usage(std::ostream& out) {
  size_t width = 0;
  for (const auto& v : kVerbs) width = std::max(width, std::strlen(v.name));
  out << "usage: overlaylab VERB [options]   (overlaylab VERB --help for details)\n\nverbs:\n";
  for (const auto& v : kVerbs)
    out << "  " << v.name << std::string(width + 2 - std::strlen(v.name), ' ') << v.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Output piped into `head` must not kill a verb before it tears down what
  // it built: writes then fail quietly instead.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? ovl::overlaylab::kBadInput : ovl::overlaylab::kOk;
  }
  std::vector<Verb> verbs(std::begin(kVerbs), std::end(kVerbs));
  verbs.insert(verbs.end(), std::begin(kHidden), std::end(kHidden));
  for (const auto& verb : verbs) {
    if (std::strcmp(verb.name, argv[1]) != 0) continue;
    try {
      return verb.run(ovl::overlaylab::VerbArgs(argv + 2, argv + argc));
    } catch (const ovl::overlaylab::BadScenario&) {
      return ovl::overlaylab::kBadInput;
    } catch (const ovl::overlaylab::UsageError& e) {
      std::cerr << "overlaylab " << verb.name << ": " << e.what() << "\n";
      return ovl::overlaylab::kBadInput;
    } catch (const std::exception& e) {
      std::cerr << "overlaylab " << verb.name << ": " << e.what() << "\n";
      return ovl::overlaylab::kFailed;
    }
  }
  std::cerr << "overlaylab: unknown verb '" << argv[1] << "'\n";
  usage(std::cerr);
  return ovl::overlaylab::kBadInput;
}
