#include "programs/overlaylab/tracing.h"

#include <cstdio>
#include <iostream>

#include "core/lab/bringup.h"
#include "core/trace/expect.h"
#include "core/trace/render.h"
#include "core/util/files.h"
#include "programs/overlaylab/stepper.h"
#include "viz/diagrams.h"
#include "viz/walk_page.h"

namespace ovl::overlaylab {

std::filesystem::path default_out_dir(const std::string& lab) {
  return std::filesystem::current_path() / "overlaylab-out" / lab;
}

bool trace_and_check(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const scenario::Probe& probe,
                     const lab::TraceOptions& options, const std::filesystem::path& out, bool step) {
  const auto& probe_name = probe.name;
  auto traced = lab::trace_probe(lab, net, probe, options);
  if (!step) std::cout << trace::render_table(traced.trace);
  if (auto note = lab::watch_note(lab.scenario, probe.from, probe.to); !note.empty()) std::cout << note << "\n";
  lab::write_trace_files(traced.trace, out);
  auto leases = lab::read_leases(lab.dir, lab.scenario);
  viz::write_rendered(viz::render_path(lab.scenario, leases, traced.trace), out, "path-" + probe_name);
  viz::write_rendered(viz::render_topology(lab.scenario, leases), out, "topology");
  util::write_file_atomically(out / ("walk-" + probe_name + ".html"),
                              viz::render_walk(lab.scenario, leases, traced.trace));
  if (step) step_through(traced.trace);
  std::cout << "wrote trace-" << probe_name << ".json, .pcapng, path-" << probe_name
            << ".dot/.svg, topology.dot/.svg and walk-" << probe_name << ".html in " << out.string() << "\n";
  auto problems = trace::check_expectations(lab.scenario.expects, traced.trace);
  for (const auto& p : problems) std::cout << "FAIL " << probe_name << ": " << p << "\n";
  if (problems.empty()) std::cout << "ok   " << probe_name << "\n";
  std::cout.flush();
  return problems.empty();
}

}  // namespace ovl::overlaylab
