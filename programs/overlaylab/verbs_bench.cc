// overlaylab bench FILE: how fast each data path carries TCP, measured side
// by side in one run (DESIGN.md 8). The scenario's lab is built once per
// backend, and iperf3 runs with its server in the destination's namespace and
// its client in the source's, nothing outside the lab's namespaces:
//
//   udp, fast data plane     overlayd's default, with socket buffers it sizes
//   udp, simple data plane   the same lab after `restart NODE --dataplane simple`:
//                            Flannel's proxy, kernel default socket buffers
//   vxlan, host-gw           the scenario on those backends (as `up --backend`)
//   underlay                 node to node, no overlay at all
//
// It prints Gbit/s, the ratio to kernel VXLAN, CPU seconds per GB moved
// (overlayd's on both nodes, utime + stime from /proc/<pid>/stat, and
// iperf3's own from its JSON report), TCP retransmits, and the datagrams the
// two nodes' kernels dropped for want of socket buffer (UdpRcvbufErrors in
// /proc/net/snmp), then each udp data plane's socket buffers as the daemons
// report them. Figures are printed, never judged; bench/dataplane.sh
// repeats runs.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "core/lab/lab.h"
#include "core/lab/probe.h"
#include "core/lab/services.h"
#include "core/os/holders.h"
#include "core/os/process.h"
#include "core/scenario/backend_override.h"
#include "core/scenario/names.h"
#include "core/util/files.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/scoped_lab.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kIperf = "/usr/bin/iperf3";

struct BenchOptions {
  int seconds = 10;
  int parallel = 1;
  std::string lab;
};

// Who talks to whom: hosts of the lab (containers, or their nodes).
struct Ends {
  std::string from, to;
};

struct Result {
  std::string path;
  std::optional<double> gbps;  // absent: not measured, why says so
  std::string why;
  double gigabytes = 0;
  std::optional<double> daemon_cpu, iperf_cpu;  // seconds
  std::optional<double> retransmits, rcvbuf_errors;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The first probe between containers on two nodes, else the first container
// of the first node and of another node.
std::optional<Ends> container_ends(const scenario::Scenario& s) {
  for (const auto& p : s.probes) {
    auto a = s.node_of(p.from), b = s.node_of(p.to);
    if (a && b && a != b) return Ends{p.from, p.to};
  }
  const scenario::Node* first = nullptr;
  for (const auto& n : s.nodes) {
    if (n.containers.empty()) continue;
    if (!first) first = &n;
    else return Ends{first->containers.front().name, n.containers.front().name};
  }
  return std::nullopt;
}

// The nodes two hosts run on (a node runs on itself).
Ends node_ends(const scenario::Scenario& s, const Ends& hosts) {
  auto node = [&](const std::string& host) { return s.find_node(host) ? host : s.node_of(host)->name; };
  return Ends{node(hosts.from), node(hosts.to)};
}

// UdpRcvbufErrors of a host's namespace: datagrams its kernel dropped
// because the receiving socket's buffer was full.
double rcvbuf_errors(const lab::RunningLab& lab, const std::string& host) {
  std::istringstream snmp(os::read_proc_net(scenario::netns_name(lab.name, host), "snmp"));
  std::vector<std::string> names;
  for (std::string line; std::getline(snmp, line);) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    std::istringstream fields(line.substr(5));
    std::vector<std::string> row{std::istream_iterator<std::string>(fields), {}};
    if (names.empty()) {
      names = row;
      continue;
    }
    for (size_t i = 0; i < names.size() && i < row.size(); ++i)
      if (names[i] == "RcvbufErrors") return std::stod(row[i]);
  }
  return 0;
}

double rcvbuf_errors(const lab::RunningLab& lab, const Ends& nodes) {
  return rcvbuf_errors(lab, nodes.from) + rcvbuf_errors(lab, nodes.to);
}

// CPU time of the lab's overlayd processes, in seconds.
double daemon_cpu_seconds(const lab::RunningLab& lab) {
  double seconds = 0;
  for (const auto& svc : lab::lab_services(lab))
    if (auto id = lab::running_pid(svc); id && svc.name != "etcd") seconds += os::cpu_seconds(*id).value_or(0);
  return seconds;
}

bool wait_exit(os::Child& child, std::chrono::seconds limit) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (child.exited()) return true;
    if (g_interrupted) break;
    std::this_thread::sleep_for(20ms);
  }
  return child.exited();
}

// iperf3 -J writes one JSON document; anything around it is not ours.
nlohmann::json read_report(const fs::path& path) {
  auto text = util::read_file(path).value_or("");
  auto open = text.find('{'), close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos) return nlohmann::json();
  return nlohmann::json::parse(text.substr(open, close - open + 1), nullptr, false);
}

// One client run against a server that may still be starting: a refused
// connection is retried.
nlohmann::json run_client(const lab::RunningLab& lab, const Ends& ends, net::Ipv4 server, const BenchOptions& o) {
  const auto& dir = lab.dir.path;
  os::SpawnRequest req{{kIperf, "-c", server.str(), "-t", std::to_string(o.seconds), "-P", std::to_string(o.parallel), "-J"},
                       scenario::netns_name(lab.name, ends.from), dir / "iperf3-client.json", dir};
  for (int attempt = 0; attempt < 50 && !g_interrupted; ++attempt) {
    fs::remove(req.log);
    os::Child client(req);
    if (!wait_exit(client, std::chrono::seconds(o.seconds + 60))) {
      os::terminate(client.id());
      client.exited();
      throw std::runtime_error("iperf3 client did not finish");
    }
    auto report = read_report(req.log);
    auto error = report.is_object() && report.contains("error") ? report["error"].get<std::string>() : "";
    if (error.find("connect") == std::string::npos) return report;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("iperf3 server never answered");
}

// iperf3 from ends.from to ends.to; the server is ours and goes when done.
nlohmann::json iperf(ScopedLab& scoped, const Ends& ends, const BenchOptions& o) {
  const auto& lab = scoped.lab();
  auto server_ip = lab::host_address(lab, ends.to, scoped.net());
  os::SpawnRequest req{{kIperf, "-s", "-1", "-B", server_ip.str()}, scenario::netns_name(lab.name, ends.to),
                       lab.dir.path / "iperf3-server.log", lab.dir.path};
  os::Child server(req);
  struct StopServer {
    os::Child& child;
    ~StopServer() {
      os::terminate(child.id());
      child.exited();
    }
  } stop{server};
  return run_client(lab, ends, server_ip, o);
}

Result measure(const std::string& label, ScopedLab& lab, const Ends& ends, const BenchOptions& o,
               bool count_daemons) {
  std::cout << "  " << label << ": " << ends.from << " -> " << ends.to << " ..." << std::flush;
  Result r;
  r.path = label;
  double cpu_before = count_daemons ? daemon_cpu_seconds(lab.lab()) : 0;
  auto nodes = node_ends(lab.lab().scenario, ends);
  double drops_before = rcvbuf_errors(lab.lab(), nodes);
  auto report = iperf(lab, ends, o);
  double cpu_after = count_daemons ? daemon_cpu_seconds(lab.lab()) : 0;
  r.rcvbuf_errors = rcvbuf_errors(lab.lab(), nodes) - drops_before;
  if (!report.is_object() || report.contains("error") || !report.contains("end")) {
    r.why = report.is_object() && report.contains("error") ? report["error"].get<std::string>() : "no iperf3 report";
    std::cout << " failed: " << r.why << "\n";
    return r;
  }
  const auto& end = report["end"];
  double seconds = end["sum_received"]["seconds"].get<double>();
  r.gbps = end["sum_received"]["bits_per_second"].get<double>() / 1e9;
  r.gigabytes = end["sum_received"]["bytes"].get<double>() / 1e9;
  const auto& cpu = end["cpu_utilization_percent"];
  r.iperf_cpu = (cpu["host_total"].get<double>() + cpu["remote_total"].get<double>()) / 100 * seconds;
  if (end.contains("sum_sent") && end["sum_sent"].contains("retransmits"))
    r.retransmits = end["sum_sent"]["retransmits"].get<double>();
  if (count_daemons) r.daemon_cpu = cpu_after - cpu_before;
  std::cout << " " << std::fixed << std::setprecision(2) << *r.gbps << " Gbit/s\n";
  return r;
}

struct UdpResults {
  Result fast, simple, underlay;
  std::vector<std::string> buffers;  // one line per data plane
};

// "fast: 16777216/16777216 bytes, set by overlayd", from the sending
// node's daemon, as `status` shows it.
std::string buffers_line(const lab::RunningLab& lab, const std::string& node) {
  auto s = lab::read_status(lab.dir, node);
  if (!s || !s->udp) return "";
  const auto& b = s->udp->buffers;
  return s->udp->dataplane + ": " + std::to_string(b.rcvbuf) + "/" + std::to_string(b.sndbuf) + " bytes, " +
         (b.kernel_default ? "the kernel's default (Flannel's proxy sets none)" : "set by overlayd");
}

// udp: fast, then the underlay, then simple, in one lab.
UdpResults bench_udp(const scenario::Loaded& original, const Ends& ends, const BenchOptions& o) {
  auto loaded = load_on_backend(original, scenario::Backend::udp);
  std::cout << "udp backend (lab " << o.lab << ")\n";
  ScopedLab lab(loaded, o.lab);
  UdpResults r;
  auto sender = node_ends(loaded.scenario, ends).from;
  r.fast = measure("udp, fast data plane", lab, ends, o, true);
  r.buffers.push_back(buffers_line(lab.lab(), sender));
  r.underlay = measure("underlay", lab, node_ends(loaded.scenario, ends), o, false);
  for (const auto& node : loaded.scenario.nodes) restart_overlayd(lab.lab(), node.name, "simple");
  r.simple = measure("udp, simple data plane", lab, ends, o, true);
  r.buffers.push_back(buffers_line(lab.lab(), sender));
  return r;
}

Result bench_kernel(const scenario::Loaded& original, scenario::Backend b, const Ends& ends, const BenchOptions& o) {
  std::string label = b == scenario::Backend::vxlan ? "vxlan (kernel)" : "host-gw";
  try {
    auto loaded = load_on_backend(original, b);
    std::cout << to_string(b) << " backend (lab " << o.lab << ")\n";
    ScopedLab lab(loaded, o.lab);
    return measure(label, lab, ends, o, false);
  } catch (const std::exception& e) {
    if (g_interrupted) throw;
    std::cout << "  " << label << ": n/a: " << first_line(e.what()) << "\n";
    Result r;
    r.path = label;
    r.why = first_line(e.what());
    return r;
  }
}

std::string cell(std::optional<double> v, int width, int precision = 2) {
  std::ostringstream out;
  out << std::setw(width);
  if (v)
    out << std::fixed << std::setprecision(precision) << *v;
  else
    out << "-";
  return out.str();
}

void print_table(const std::vector<Result>& results, const std::vector<std::string>& buffers,
                 const BenchOptions& o) {
  std::optional<double> vxlan;
  for (const auto& r : results)
    if (r.path == "vxlan (kernel)") vxlan = r.gbps;
  std::cout << "\n" << std::left << std::setw(24) << "path" << std::right << std::setw(9) << "Gbit/s"
            << std::setw(10) << "x vxlan" << std::setw(16) << "overlayd s/GB" << std::setw(14) << "iperf3 s/GB"
            << std::setw(9) << "retrans" << std::setw(14) << "rcvbuf drops" << "\n";
  for (const auto& r : results) {
    std::cout << std::left << std::setw(24) << r.path << std::right;
    if (!r.gbps) {
      std::cout << std::setw(9) << "n/a" << "   " << r.why << "\n";
      continue;
    }
    auto per_gb = [&](std::optional<double> s) { return s ? std::optional(*s / r.gigabytes) : std::nullopt; };
    std::cout << cell(r.gbps, 9) << (vxlan ? cell(*r.gbps / *vxlan, 10) : std::string("       n/a"))
              << cell(per_gb(r.daemon_cpu), 16, 3) << cell(per_gb(r.iperf_cpu), 14, 3) << cell(r.retransmits, 9, 0)
              << cell(r.rcvbuf_errors, 14, 0) << "\n";
  }
  std::cout << "udp socket buffers (receive/send):\n";
  for (const auto& line : buffers) std::cout << "  " << line << "\n";
  auto fast = results[0].gbps, simple = results[1].gbps;
  std::cout << std::fixed << std::setprecision(2) << "udp fast / vxlan: "
            << (fast && vxlan ? cell(*fast / *vxlan, 0) + "x" : "n/a")
            << ", udp fast / simple: " << (fast && simple ? cell(*fast / *simple, 0, 1) + "x" : "n/a") << "\n";
  std::cout << "(iperf3 TCP, " << o.seconds << " s, " << o.parallel << " stream" << (o.parallel > 1 ? "s" : "")
            << " per path; CPU s/GB: CPU seconds per gigabyte received; retrans: TCP retransmits; rcvbuf drops: "
            << "datagrams the nodes' kernels dropped on full socket buffers)\n";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int verb_bench(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("time,t", po::value<int>()->default_value(10), "seconds of iperf3 per path")(
      "parallel,P", po::value<int>()->default_value(1), "parallel TCP streams (iperf3 -P)")(
      "name", po::value<std::string>(), "lab name (default: bench-<scenario name>)");
  auto a = parse(args, "overlaylab bench FILE [--time S] [--parallel N] [--name LAB]", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = load_scenario(file);
  BenchOptions o{a.vm["time"].as<int>(), a.vm["parallel"].as<int>(),
                 lab_name_option(a, ("bench-" + loaded.scenario.name).substr(0, 24))};
  if (o.seconds < 1 || o.seconds > 600 || o.parallel < 1 || o.parallel > 64)
    throw UsageError("--time must be 1 to 600 seconds and --parallel 1 to 64");
  auto ends = container_ends(loaded.scenario);
  if (!ends) throw UsageError(file + " needs containers on two nodes to measure between");
  for (const auto& node : loaded.scenario.nodes)
    if (node.external())
      throw UsageError("bench restarts every daemon on each data plane and backend, but node " + node.name +
                       "'s is external (daemon=\"external\"); bench a scenario whose daemons the lab starts");
  require_root("bench");
  if (::access(kIperf, X_OK) != 0) throw std::runtime_error(std::string(kIperf) + " is missing (apt-get install iperf3)");
  install_interrupt_handlers();
  std::cout << "bench " << loaded.scenario.name << ": " << ends->from << " -> " << ends->to
            << ", load average " << load_average() << "\n";
  auto udp = bench_udp(loaded, *ends, o);
  // The underlay last: the ceiling, not a backend.
  print_table({udp.fast, udp.simple, bench_kernel(loaded, scenario::Backend::vxlan, *ends, o),
               bench_kernel(loaded, scenario::Backend::host_gw, *ends, o), udp.underlay},
              udp.buffers, o);
  return kOk;
}

}  // namespace ovl::overlaylab
