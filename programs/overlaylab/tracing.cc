#include "programs/overlaylab/tracing.h"

#include <cstdio>
#include <iostream>

#include "core/lab/bringup.h"
#include "core/trace/expect.h"
#include "core/trace/render.h"
#include "viz/diagrams.h"

namespace ovl::overlaylab {

std::filesystem::path default_out_dir(const std::string& lab) {
  return std::filesystem::current_path() / "overlaylab-out" / lab;
}

namespace {

std::vector<std::string> check(const lab::RunningLab& lab, const std::string& probe_name, const lab::Traced& t) {
  std::vector<std::string> problems;
  bool expected = false;
  for (const auto& x : lab.scenario.expects) {
    if (x.probe != probe_name) continue;
    expected = true;
    for (auto& f : lab::check_expectation(x, t.report)) problems.push_back(f);
    if (x.hops.empty()) continue;
    std::vector<std::string> hops;
    for (const auto& h : x.hops) hops.push_back(h.at);
    auto hop_check = trace::check_hops(hops, t.trace);
    if (!hop_check.ok) problems.push_back("the path differs from <expect>:\n" + hop_check.diff);
  }
  if (!expected && !t.report.received()) problems.push_back("no reply (" + t.trace.outcome + ")");
  return problems;
}

}  // namespace

bool trace_and_check(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const std::string& probe_name,
                     const std::string& from, const std::string& to, const lab::TraceOptions& options,
                     const std::filesystem::path& out) {
  auto traced = lab::trace_probe(lab, net, probe_name, from, to, options);
  std::cout << trace::render_table(traced.trace);
  lab::write_trace_files(traced.trace, out);
  auto leases = lab::read_leases(lab.dir, lab.scenario);
  viz::write_rendered(viz::render_path(lab.scenario, leases, traced.trace), out, "path-" + probe_name);
  viz::write_rendered(viz::render_topology(lab.scenario, leases), out, "topology");
  std::cout << "wrote trace-" << probe_name << ".json, .pcapng, path-" << probe_name
            << ".dot/.svg and topology.dot/.svg in " << out.string() << "\n";
  auto problems = check(lab, probe_name, traced);
  for (const auto& p : problems) std::cout << "FAIL " << probe_name << ": " << p << "\n";
  if (problems.empty()) std::cout << "ok   " << probe_name << "\n";
  std::cout.flush();
  return problems.empty();
}

}  // namespace ovl::overlaylab
