// Verbs that send probes: ping (on a running lab) and run (up, probes, down).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>

#include "core/lab/executor.h"
#include "core/lab/probe.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/scoped_lab.h"
#include "programs/overlaylab/tracing.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace {

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

// As iputils' ping words it where it has the case.
std::string icmp_error_text(const os::EchoResult& r) {
  if (r.icmp_type == 3 && r.icmp_code == 4) return "Frag needed and DF set (mtu = " + std::to_string(r.mtu) + ")";
  if (r.icmp_type == 3 && r.icmp_code == 3) return "Destination Port Unreachable";
  if (r.icmp_type == 3) return r.icmp_code == 0 ? "Destination Net Unreachable" : "Destination Unreachable";
  return "Time to live exceeded";
}

void print_reply(const lab::ProbeReport& report, const lab::ProbeEcho& e) {
  const auto& r = e.result;
  const char* kind = scenario::to_string(report.spec.kind);
  if (report.spec.kind != scenario::ProbeKind::tcp)
    std::printf("%zu bytes from %s: %s_seq=%d ttl=%d time=%.3f ms\n", r.bytes, r.from.str().c_str(), kind, e.seq,
                r.ttl, ms(r.rtt));
  else
    std::printf("connected to %s:%d (SYN, SYN-ACK, ACK) tcp_seq=%d time=%.3f ms%s\n", r.from.str().c_str(),
                report.spec.port, e.seq, ms(r.rtt),
                report.spec.size ? (", " + std::to_string(r.delivered) + " bytes sent").c_str() : "");
}

void print_echo(const lab::ProbeReport& report, const lab::ProbeEcho& e) {
  const auto& r = e.result;
  using Kind = os::EchoResult::Kind;
  const char* kind = scenario::to_string(report.spec.kind);
  switch (r.kind) {
    case Kind::timeout: std::printf("no answer from %s for %s_seq=%d\n", report.dst.str().c_str(), kind, e.seq); break;
    case Kind::reply: print_reply(report, e); break;
    case Kind::too_big: std::printf("ping: local error: message too long, mtu=%d\n", r.mtu); break;
    case Kind::refused:
      std::printf("%s:%d refused the connection (RST) tcp_seq=%d\n", r.from.str().c_str(), report.spec.port, e.seq);
      break;
    case Kind::stalled:
      std::printf("connected to %s:%d, but only %zu of %d bytes arrived tcp_seq=%d\n", r.from.str().c_str(),
                  report.spec.port, r.delivered, report.spec.size, e.seq);
      break;
    case Kind::icmp_error:
      std::printf("From %s %s_seq=%d %s (type %d code %d)\n", r.from.str().c_str(), kind, e.seq,
                  icmp_error_text(r).c_str(), r.icmp_type, r.icmp_code);
      break;
  }
  std::fflush(stdout);
}

void print_summary(const lab::ProbeReport& report) {
  int sent = int(report.echoes.size()), received = report.received();
  std::printf("--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n",
              report.to.c_str(), sent, received, sent ? (sent - received) * 100 / sent : 0);
  std::vector<double> rtts;
  for (const auto& e : report.echoes)
    if (e.result.kind == os::EchoResult::Kind::reply) rtts.push_back(ms(e.result.rtt));
  if (!rtts.empty())
    std::printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", *std::min_element(rtts.begin(), rtts.end()),
                std::accumulate(rtts.begin(), rtts.end(), 0.0) / double(rtts.size()),
                *std::max_element(rtts.begin(), rtts.end()));
}

lab::ProbeReport run_probe(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const std::string& from,
                           const std::string& to, const lab::ProbeOptions& opts) {
  if (opts.spec.kind == scenario::ProbeKind::tcp)
    std::printf("PING %s port %d from %s: tcp handshake%s\n", to.c_str(), opts.spec.port, from.c_str(),
                opts.spec.size ? (" and " + std::to_string(opts.spec.size) + " bytes").c_str() : "");
  else
    std::printf("PING %s from %s: %s, %d data bytes\n", to.c_str(), from.c_str(), scenario::to_string(opts.spec.kind),
                opts.spec.size);
  auto report = lab::probe(lab, net, from, to, opts, print_echo);
  print_summary(report);
  return report;
}

}  // namespace

int verb_ping(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("count,c", po::value<int>()->default_value(3), "echo requests to send")(
      "timeout,W", po::value<double>()->default_value(1.0, "1"), "seconds to wait for each answer")(
      "interval,i", po::value<double>()->default_value(0.2, "0.2"), "seconds between requests");
  add_probe_options(opts);
  auto a = parse(args,
                 "overlaylab ping LAB FROM TO [-c COUNT] [--kind icmp|tcp|udp] [--port N] [-s SIZE] [--df true|false] "
                 "[--listen true|false]",
                 opts, {"lab", "from", "to"});
  if (a.help) return kOk;
  lab::ProbeOptions probe{a.vm["count"].as<int>(),
                          std::chrono::milliseconds(int(a.vm["timeout"].as<double>() * 1000)),
                          std::chrono::milliseconds(int(a.vm["interval"].as<double>() * 1000)), probe_spec(a)};
  if (probe.count < 1 || probe.count > 10000) throw UsageError("--count must be from 1 to 10000");
  require_root("ping");
  auto lab = lab::open_lab(lab_argument(a), state_root());
  auto from = a.vm["from"].as<std::string>(), to = a.vm["to"].as<std::string>();
  require_host(lab, from);
  require_host(lab, to, true);
  os::LinuxNetworkOps net;
  auto report = run_probe(lab, net, from, to, probe);
  return report.received() ? kOk : kFailed;
}

namespace {

// "icmp", "tcp port 80", "udp port 7, 1600 bytes, DF"
std::string describe(const scenario::ProbeSpec& spec) {
  std::string out = scenario::to_string(spec.kind);
  if (spec.kind != scenario::ProbeKind::icmp) out += " port " + std::to_string(spec.port);
  if (spec.size != scenario::default_probe_spec(spec.kind).size) out += ", " + std::to_string(spec.size) + " bytes";
  if (spec.df) out += *spec.df ? ", DF" : ", no DF";
  if (!spec.listen) out += ", nobody listening";
  return out;
}

// Traces the scenario's probes and checks its expectations; true when all
// pass. A probe's further echoes (count > 1) go untraced.
bool run_probes(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const std::filesystem::path& out) {
  int failed = 0;
  for (const auto& p : lab.scenario.probes) {
    if (g_interrupted) throw lab::Interrupted();
    std::printf("\nprobe %s: %s -> %s (%s)\n", p.name.c_str(), p.from.c_str(), p.to.c_str(), describe(p.spec).c_str());
    std::fflush(stdout);
    failed += !trace_and_check(lab, net, p, lab::TraceOptions{}, out);
    if (p.count > 1) {
      lab::ProbeOptions more;
      more.count = p.count - 1;
      more.spec = p.spec;
      run_probe(lab, net, p.from, p.to, more);
    }
  }
  std::printf("\n%zu probes, %d failed\n", lab.scenario.probes.size(), failed);
  return failed == 0;
}

}  // namespace

int verb_run(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)")(
      "keep", "leave the lab up afterwards (overlaylab down LAB removes it)")(
      "out", po::value<std::string>(), "directory for trace files (default ./overlaylab-out/LAB)")(
      "backend", po::value<std::string>(), "udp, vxlan or host-gw instead of the scenario's backend");
  opts.add(progress_options());
  auto a = parse(args, "overlaylab run FILE [--name LAB] [--keep] [--out DIR] [--backend udp|vxlan|host-gw]", opts,
                 {"file"});
  if (a.help) return kOk;
  auto loaded = scenario_for_lab(a, a.vm["file"].as<std::string>());
  auto name = lab_name_option(a, loaded.scenario.name);
  auto out = a.vm.count("out") ? std::filesystem::path(a.vm["out"].as<std::string>()) : default_out_dir(name);
  require_root("run");
  install_interrupt_handlers();
  auto building = progress_line(a, "up");
  ScopedLab scoped(loaded, name, building.get());
  print_timings(a, *building);
  building.reset();
  std::cout << "lab '" << name << "' is up: " << loaded.scenario.nodes.size() << " nodes\n";
  bool passed = false;
  try {
    passed = run_probes(scoped.lab(), scoped.net(), out);
  } catch (const std::exception& e) {
    std::cerr << "overlaylab run: " << e.what() << "\n";
  }
  if (a.vm.count("keep") && !g_interrupted) {
    scoped.keep();
    std::cout << "lab '" << name << "' is still up (--keep); `overlaylab down " << name << "` removes it\n";
  } else {
    auto tearing = progress_line(a, "down");
    scoped.down(tearing.get());
    print_timings(a, *tearing);
    tearing.reset();
    std::cout << "lab '" << name << "' is down\n";
  }
  return passed ? kOk : kFailed;
}

}  // namespace ovl::overlaylab
