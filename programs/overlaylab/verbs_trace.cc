// overlaylab trace: one probe through a running lab, captured at every hop;
// overlaylab step: the same, walked hop by hop in the terminal.
#include <iostream>

#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/tracing.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace {

int trace_verb(const VerbArgs& args, const std::string& verb, bool step) {
  po::options_description opts("options");
  opts.add_options()("out", po::value<std::string>(), "directory for trace files (default ./overlaylab-out/LAB)")(
      "name", po::value<std::string>()->default_value("trace"), "probe name, used in file names")(
      "timeout,W", po::value<double>()->default_value(1.0, "1"), "seconds to wait for the answer")(
      "fabric", "also capture on the underlay bridges' ports");
  if (!step) opts.add_options()("step", "walk the trace hop by hop in the terminal (as overlaylab step)");
  add_probe_options(opts);
  auto a = parse(args,
                 "overlaylab " + verb +
                     " LAB FROM TO [--out DIR] [--kind icmp|tcp|udp] [--port N] [--size N] [--df true|false]"
                     " [--listen true|false]",
                 opts, {"lab", "from", "to"});
  if (a.help) return kOk;
  auto spec = probe_spec(a);
  require_root(verb);
  auto lab = lab::open_lab(lab_argument(a), state_root());
  auto from = a.vm["from"].as<std::string>(), to = a.vm["to"].as<std::string>();
  require_host(lab, from);
  require_host(lab, to, true);
  auto out = a.vm.count("out") ? std::filesystem::path(a.vm["out"].as<std::string>()) : default_out_dir(lab.name);
  lab::TraceOptions options;
  options.timeout = std::chrono::milliseconds(int(a.vm["timeout"].as<double>() * 1000));
  options.fabric = a.vm.count("fabric");
  os::LinuxNetworkOps net;
  scenario::Probe probe{a.vm["name"].as<std::string>(), from, to, 1, spec, {}};
  bool ok = trace_and_check(lab, net, probe, options, out, step || a.vm.count("step"));
  return ok ? kOk : kFailed;
}

}  // namespace

int verb_trace(const VerbArgs& args) { return trace_verb(args, "trace", false); }

int verb_step(const VerbArgs& args) { return trace_verb(args, "step", true); }

}  // namespace ovl::overlaylab
