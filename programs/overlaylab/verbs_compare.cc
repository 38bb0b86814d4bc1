// overlaylab compare: the scenario's probes on udp, vxlan and host-gw, one
// after the other, summed up in one table per probe, and walked side by side
// in compare.html.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

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

// One probe on one backend, as measured; cells() formats it for the table
// and json() for --json (overlaylab(1), JSON OUTPUT).
struct Row {
  std::string backend;
  bool reply = false;
  std::optional<int> ttl, mtu;
  int hops = 0, crossings = 0, overhead = 0;
  std::optional<double> rtt_ms;
  std::string note;  // why there was no reply
  viz::WalkColumn walk;

  std::vector<std::string> cells() const {
    auto or_dash = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("-"); };
    char rtt[32] = "-";
    if (rtt_ms) std::snprintf(rtt, sizeof rtt, "%.3f ms", *rtt_ms);
    return {backend, reply ? "yes" : "no", or_dash(ttl), std::to_string(hops), std::to_string(crossings),
            std::to_string(overhead) + " B", or_dash(mtu), rtt};
  }
  nlohmann::ordered_json json() const {
    auto or_null = [](const auto& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
    return {{"backend", backend}, {"reply", reply},         {"ttl", or_null(ttl)},        {"hops", hops},
            {"crossings", crossings}, {"overhead_bytes", overhead}, {"mtu", or_null(mtu)}, {"rtt_ms", or_null(rtt_ms)},
            {"note", note}};
  }
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
  auto traced = lab::trace_probe(lab, net, p, lab::TraceOptions{});
  const auto& t = traced.trace;
  row.reply = t.reply;
  if (!t.reply) {
    row.note = backend + ": " + t.outcome;
    if (const auto* last = t.last(trace::Leg::request))
      row.note += "; the request was last seen at " + last->name() + " (" + trace::to_string(last->dir) + ")";
  }
  row.ttl = t.ttl;
  row.hops = int(t.hops.size());
  row.crossings = t.crossings(trace::Leg::request) + t.crossings(trace::Leg::reply);
  row.overhead = overhead(t);
  if (const auto* node = lab.scenario.node_of(p.from))
    if (auto lease = lab::read_lease(lab.dir, node->name)) row.mtu = lease->mtu;
  const auto& echo = traced.report.echoes.front().result;
  auto leases = lab::read_leases(lab.dir, lab.scenario);
  row.walk = {backend, viz::render_walk_diagram(lab.scenario, leases, t).svg, trace::to_json(t)};
  if (echo.kind == os::EchoResult::Kind::reply) row.rtt_ms = std::chrono::duration<double, std::milli>(echo.rtt).count();
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
const std::vector<std::string> kHeader{"backend", "reply", "ttl", "hops", "crossings", "overhead", "MTU", "rtt"};

void print_table(const scenario::Probe& p, const std::vector<Row>& rows) {
  std::printf("\nprobe %s: %s -> %s\n", p.name.c_str(), p.from.c_str(), p.to.c_str());
  std::vector<size_t> width(kHeader.size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < width.size(); ++i) width[i] = std::max({width[i], r.cells()[i].size(), kHeader[i].size()});
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) line += cells[i] + std::string(width[i] - cells[i].size() + 2, ' ');
    line.erase(line.find_last_not_of(' ') + 1);
    std::printf("%s\n", line.c_str());
  };
  print(kHeader);
  for (const auto& r : rows) print(r.cells());
  for (const auto& r : rows)
    if (!r.note.empty()) std::printf("%s\n", r.note.c_str());
}

// One page per probe: the table above, then its walk on each backend.
viz::WalkPage walk_page(const std::string& lab, const scenario::Probe& p, const std::vector<Row>& rows) {
  viz::WalkPage page{p.name, lab + ": probe " + p.name + " (" + p.from + " -> " + p.to + ") on udp, vxlan and host-gw",
                     viz::SummaryTable{kHeader, {}, {}}, {}};
  for (const auto& r : rows) {
    page.table->rows.push_back(r.cells());
    if (!r.note.empty()) page.table->notes.push_back(r.note);
    page.walks.push_back(r.walk);
  }
  page.table->notes.push_back(kLegend);
  return page;
}

nlohmann::ordered_json compare_json(const scenario::Scenario& s, const std::vector<std::vector<Row>>& by_probe,
                                    const std::filesystem::path& html) {
  auto probes = nlohmann::ordered_json::array();
  for (size_t i = 0; i < by_probe.size(); ++i) {
    const auto& p = s.probes[i];
    auto backends = nlohmann::ordered_json::array();
    for (const auto& r : by_probe[i]) backends.push_back(r.json());
    probes.push_back({{"probe", p.name}, {"from", p.from}, {"to", p.to}, {"backends", backends}});
  }
  return {{"scenario", s.name}, {"html", html.string()}, {"probes", probes}};
}

}  // namespace

int verb_compare(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)")(
      "out", po::value<std::string>(), "directory for compare.html (default ./overlaylab-out/LAB)")(
      "json", "print the tables as one JSON object (overlaylab(1) lists its keys); progress goes to stderr");
  auto a = parse(args, "overlaylab compare FILE [--name LAB] [--out DIR] [--json]", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = load_scenario(file);
  if (loaded.scenario.probes.empty()) throw UsageError(file + " has no <probe> to compare");
  require_root("compare");
  install_interrupt_handlers();
  bool json = a.vm.count("json");
  auto& progress = json ? std::cerr : std::cout;
  auto lab_name = lab_name_option(a, loaded.scenario.name);
  std::vector<std::vector<Row>> by_probe(loaded.scenario.probes.size());
  for (auto backend : kBackends) {
    progress << "measuring on " << scenario::to_string(backend) << "..." << std::endl;
    auto rows = on_backend(loaded, backend, lab_name);
    for (size_t i = 0; i < rows.size(); ++i) by_probe[i].push_back(rows[i]);
  }
  std::vector<viz::WalkPage> pages;
  for (size_t i = 0; i < by_probe.size(); ++i) {
    if (!json) print_table(loaded.scenario.probes[i], by_probe[i]);
    pages.push_back(walk_page(loaded.scenario.name, loaded.scenario.probes[i], by_probe[i]));
  }
  auto out = a.vm.count("out") ? std::filesystem::path(a.vm["out"].as<std::string>()) : default_out_dir(lab_name);
  util::write_file_atomically(out / "compare.html",
                              viz::render_walk_html(loaded.scenario.name + ": udp, vxlan and host-gw", pages));
  if (json) {
    std::cout << compare_json(loaded.scenario, by_probe, out / "compare.html").dump(2) << std::endl;
    return kOk;
  }
  std::printf("\n%s\n", kLegend);
  std::printf("wrote compare.html in %s\n", out.string().c_str());
  return kOk;
}

}  // namespace ovl::overlaylab
