// overlaylab compare: the scenario's probes on udp, vxlan and host-gw, one
// after the other, summed up in one table per probe, and walked side by side
// in compare.html.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/lab/bringup.h"
#include "core/lab/lab.h"
#include "core/lab/tracer.h"
#include "core/scenario/backend_override.h"
#include "core/trace/render.h"
#include "core/util/files.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/scoped_lab.h"
#include "programs/overlaylab/tracing.h"
#include "programs/overlaylab/verbs.h"
#include "viz/walk_page.h"

namespace ovl::overlaylab {
namespace {

constexpr scenario::Backend kBackends[] = {scenario::Backend::udp, scenario::Backend::vxlan,
                                           scenario::Backend::host_gw};

struct Row {
  std::string backend;
  std::string reply = "-", ttl = "-", hops = "-", crossings = "-", overhead = "-", mtu = "-", rtt = "-";
  std::string note;  // why there was no reply
  viz::WalkColumn walk;
  std::vector<std::string> cells() const { return {backend, reply, ttl, hops, crossings, overhead, mtu, rtt}; }
};

// The encapsulation a hop wears: outer IPv4 length less the inner one's.
int overhead(const trace::Trace& t) {
  int most = 0;
  for (const auto& h : t.hops) {
    auto* outer = trace::outer_ipv4(h.layers);
    auto* inner = trace::inner_ipv4(h.layers);
    if (outer && inner && outer != inner)
      most = std::max(most, outer->fields["len"].get<int>() - inner->fields["len"].get<int>());
  }
  return most;
}

Row measure(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const scenario::Probe& p, const std::string& backend) {
  Row row;
  row.backend = backend;
  auto traced = lab::trace_probe(lab, net, p.name, p.from, p.to, lab::TraceOptions{});
  const auto& t = traced.trace;
  row.reply = t.reply ? "yes" : "no";
  if (!t.reply) {
    row.note = backend + ": " + t.outcome;
    if (const auto* last = t.last(trace::Leg::request))
      row.note += "; the request was last seen at " + last->name() + " (" + trace::to_string(last->dir) + ")";
  }
  if (t.ttl) row.ttl = std::to_string(*t.ttl);
  row.hops = std::to_string(t.hops.size());
  row.crossings = std::to_string(t.crossings(trace::Leg::request) + t.crossings(trace::Leg::reply));
  row.overhead = std::to_string(overhead(t)) + " B";
  if (const auto* node = lab.scenario.node_of(p.from))
    if (auto lease = lab::read_lease(lab.dir, node->name)) row.mtu = std::to_string(lease->mtu);
  const auto& echo = traced.report.echoes.front().result;
  auto leases = lab::read_leases(lab.dir, lab.scenario);
  row.walk = {backend, viz::render_walk_diagram(lab.scenario, leases, t).svg, trace::to_json(t)};
  if (echo.kind == os::EchoResult::Kind::reply) {
    char rtt[32];
    std::snprintf(rtt, sizeof rtt, "%.3f ms", std::chrono::duration<double, std::milli>(echo.rtt).count());
    row.rtt = rtt;
  }
  return row;
}

// Builds the lab on one backend, measures every probe, tears it down.
std::vector<Row> on_backend(const scenario::Loaded& original, scenario::Backend backend, const std::string& lab_name) {
  ScopedLab scoped(load_on_backend(original, backend), lab_name);
  std::vector<Row> rows;
  for (const auto& p : scoped.lab().scenario.probes)
    rows.push_back(measure(scoped.lab(), scoped.net(), p, scenario::to_string(backend)));
  return rows;
}

constexpr const char* kLegend =
    "crossings: user/kernel crossings by the daemons, both legs; overhead: encapsulation bytes on the underlay";
const Row kHeader{"backend", "reply", "ttl", "hops", "crossings", "overhead", "MTU", "rtt", "", {}};

void print_table(const scenario::Probe& p, const std::vector<Row>& rows) {
  std::printf("\nprobe %s: %s -> %s\n", p.name.c_str(), p.from.c_str(), p.to.c_str());
  const Row& header = kHeader;
  std::vector<size_t> width(header.cells().size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < width.size(); ++i) width[i] = std::max({width[i], r.cells()[i].size(), header.cells()[i].size()});
  auto print = [&](const Row& r) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) line += r.cells()[i] + std::string(width[i] - r.cells()[i].size() + 2, ' ');
    line.erase(line.find_last_not_of(' ') + 1);
    std::printf("%s\n", line.c_str());
  };
  print(header);
  for (const auto& r : rows) print(r);
  for (const auto& r : rows)
    if (!r.note.empty()) std::printf("%s\n", r.note.c_str());
}

// One page per probe: the table above, then its walk on each backend.
viz::WalkPage walk_page(const std::string& lab, const scenario::Probe& p, const std::vector<Row>& rows) {
  viz::WalkPage page{p.name, lab + ": probe " + p.name + " (" + p.from + " -> " + p.to + ") on udp, vxlan and host-gw",
                     viz::SummaryTable{kHeader.cells(), {}, {}}, {}};
  for (const auto& r : rows) {
    page.table->rows.push_back(r.cells());
    if (!r.note.empty()) page.table->notes.push_back(r.note);
    page.walks.push_back(r.walk);
  }
  page.table->notes.push_back(kLegend);
  return page;
}

}  // namespace

int verb_compare(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)")(
      "out", po::value<std::string>(), "directory for compare.html (default ./overlaylab-out/LAB)");
  auto a = parse(args, "overlaylab compare FILE [--name LAB] [--out DIR]", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = load_scenario(file);
  if (loaded.scenario.probes.empty()) throw UsageError(file + " has no <probe> to compare");
  require_root("compare");
  install_interrupt_handlers();
  auto lab_name = lab_name_option(a, loaded.scenario.name);
  std::vector<std::vector<Row>> by_probe(loaded.scenario.probes.size());
  for (auto backend : kBackends) {
    std::cout << "measuring on " << scenario::to_string(backend) << "..." << std::endl;
    auto rows = on_backend(loaded, backend, lab_name);
    for (size_t i = 0; i < rows.size(); ++i) by_probe[i].push_back(rows[i]);
  }
  std::vector<viz::WalkPage> pages;
  for (size_t i = 0; i < by_probe.size(); ++i) {
    print_table(loaded.scenario.probes[i], by_probe[i]);
    pages.push_back(walk_page(loaded.scenario.name, loaded.scenario.probes[i], by_probe[i]));
  }
  std::printf("\n%s\n", kLegend);
  auto out = a.vm.count("out") ? std::filesystem::path(a.vm["out"].as<std::string>()) : default_out_dir(lab_name);
  util::write_file_atomically(out / "compare.html",
                              viz::render_walk_html(loaded.scenario.name + ": udp, vxlan and host-gw", pages));
  std::printf("wrote compare.html in %s\n", out.string().c_str());
  return kOk;
}

}  // namespace ovl::overlaylab
