#include "programs/overlaylab/cli.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>

#include "core/lab/lab.h"
#include "core/scenario/backend_override.h"
#include "core/scenario/names.h"
#include "core/scenario/parse.h"
#include "core/util/files.h"
#include "programs/overlaylab/shipped.h"

namespace ovl::overlaylab {

std::atomic<bool> g_interrupted{false};

Args parse(const std::vector<std::string>& args, const std::string& usage,
           const po::options_description& options, const std::vector<std::string>& positional) {
  po::options_description help;
  help.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(options).add(help);
  po::options_description hidden;
  po::positional_options_description pos;
  for (auto name : positional) {
    if (name.back() == '?') name.pop_back();
    hidden.add_options()(name.c_str(), po::value<std::string>());
    pos.add(name.c_str(), 1);
  }
  po::options_description everything;
  everything.add(all).add(hidden);
  Args out;
  try {
    po::store(po::command_line_parser(args).options(everything).positional(pos).run(), out.vm);
    po::notify(out.vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (out.vm.count("help")) {
    std::cout << "usage: " << usage << "\n";
    if (!options.options().empty()) std::cout << "\n" << options;
    std::cout << "\n" << help;
    out.help = true;
    return out;
  }
  for (const auto& name : positional)
    if (name.back() != '?' && !out.vm.count(name))
      throw UsageError("missing " + name + " (usage: " + usage + ")");
  return out;
}

namespace {

// FILE as given or, when there is no such file, the shipped scenario of that
// name: `overlaylab run two-node` works from any directory once installed.
std::string scenario_path(const std::string& file) {
  if (std::filesystem::exists(file)) return file;
  if (auto shipped = shipped_scenario(file)) return shipped->string();
  return file;
}

std::string shipped_hint() {
  std::string names;
  for (const auto& name : shipped_scenarios()) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "" : " (the shipped scenarios, which any verb takes by name: " + names + ")";
}

}  // namespace

scenario::Loaded load_scenario(const std::string& file) {
  auto path = scenario_path(file);
  std::string text;
  try {
    text = util::read_input_file(path, scenario::kScenarioBytesMax);
  } catch (const std::runtime_error& e) {
    throw UsageError("cannot read scenario " + path + ": " + e.what() +
                     (std::filesystem::exists(path) ? "" : shipped_hint()));
  }
  auto loaded = scenario::load_text(text, path);
  std::cerr << loaded.diags.format();
  if (!loaded.ok()) throw BadScenario();
  return loaded;
}

scenario::Loaded load_on_backend(const scenario::Loaded& loaded, scenario::Backend backend,
                                 std::vector<std::string>* notes) {
  auto changed = scenario::reload_with_backend(loaded, backend, notes);
  // The original's own diagnostics were printed when it was loaded.
  std::set<std::string> seen;
  std::istringstream before(loaded.diags.format()), after(changed.diags.format());
  for (std::string line; std::getline(before, line);) seen.insert(line);
  for (std::string line; std::getline(after, line);)
    if (!seen.count(line)) std::cerr << line << "\n";
  if (!changed.ok()) throw BadScenario();
  return changed;
}

scenario::Loaded scenario_for_lab(const Args& a, const std::string& file) {
  auto loaded = load_scenario(file);
  if (!a.vm.count("backend")) return loaded;
  auto name = a.vm["backend"].as<std::string>();
  auto backend = scenario::parse_backend(name);
  if (!backend) throw UsageError("--backend must be udp, vxlan or host-gw, not '" + name + "'");
  std::vector<std::string> notes;
  auto changed = load_on_backend(loaded, *backend, &notes);
  for (const auto& note : notes) std::cout << file << ": " << note << "\n";
  return changed;
}

void add_probe_options(po::options_description& options) {
  options.add_options()("kind", po::value<std::string>()->default_value("icmp"), "icmp, tcp or udp")(
      "port", po::value<int>(), "tcp and udp: the destination port (default 80 for tcp, 7 for udp)")(
      "size,s", po::value<int>(), "payload bytes (default 56; tcp: bytes sent after the handshake, default 0)")(
      "df", po::value<std::string>(), "icmp and udp: true sets DF (too big: refused), false never does (fragments)")(
      "listen", po::value<std::string>(), "tcp and udp: false opens no listener or responder in the destination");
}

namespace {

bool flag_value(const Args& a, const char* name) {
  auto value = a.vm[name].as<std::string>();
  if (value != "true" && value != "false") throw UsageError(std::string("--") + name + " must be true or false, not '" + value + "'");
  return value == "true";
}

}  // namespace

scenario::ProbeSpec probe_spec(const Args& a) {
  auto kind = a.vm["kind"].as<std::string>();
  if (kind != "icmp" && kind != "tcp" && kind != "udp")
    throw UsageError("--kind must be icmp, tcp or udp, not '" + kind + "'");
  auto spec = scenario::default_probe_spec(kind == "tcp"   ? scenario::ProbeKind::tcp
                                           : kind == "udp" ? scenario::ProbeKind::udp
                                                           : scenario::ProbeKind::icmp);
  bool icmp = spec.kind == scenario::ProbeKind::icmp;
  if (a.vm.count("port")) {
    int port = a.vm["port"].as<int>();
    if (icmp) throw UsageError("--port applies to tcp and udp probes; an ICMP echo has no port");
    if (port < 1 || port > 65535) throw UsageError("--port must be from 1 to 65535, not " + std::to_string(port));
    spec.port = uint16_t(port);
  }
  if (a.vm.count("size")) spec.size = a.vm["size"].as<int>();
  if (auto problem = scenario::probe_size_problem(spec); !problem.empty()) throw UsageError("--" + problem);
  if (a.vm.count("df")) {
    if (spec.kind == scenario::ProbeKind::tcp) throw UsageError("--df applies to icmp and udp probes; TCP sets DF itself");
    spec.df = flag_value(a, "df");
  }
  if (a.vm.count("listen")) {
    if (icmp) throw UsageError("--listen applies to tcp and udp probes");
    spec.listen = flag_value(a, "listen");
  }
  return spec;
}

void require_host(const lab::RunningLab& lab, const std::string& host, bool address_ok) {
  if (lab.scenario.has_host(host) || (address_ok && net::Ipv4::parse(host))) return;
  throw UsageError("lab '" + lab.name + "' has no host '" + host + "'" +
                   scenario::did_you_mean(host, lab.scenario.host_names()));
}

namespace {
std::string checked_lab_name(const std::string& name) {
  if (auto problem = scenario::lab_name_problem(name); !problem.empty())
    throw UsageError("lab name " + scenario::quoted(name) + " cannot name a lab: " + problem);
  return name;
}
}  // namespace

std::string lab_name_option(const Args& a, const std::string& fallback) {
  return a.vm.count("name") ? checked_lab_name(a.vm["name"].as<std::string>()) : fallback;
}

std::string lab_argument(const Args& a) { return checked_lab_name(a.vm["lab"].as<std::string>()); }

po::options_description progress_options() {
  po::options_description o("progress");
  o.add_options()("quiet,q", "no progress line while the lab is built or torn down")(
      "timings", "print how long each phase took");
  return o;
}

std::unique_ptr<ProgressLine> progress_line(const Args& a, const std::string& verb) {
  return std::make_unique<ProgressLine>(verb, std::cerr, stderr_is_terminal(), a.vm.count("quiet") > 0);
}

void print_timings(const Args& a, const ProgressLine& line) {
  if (a.vm.count("timings")) std::cout << line.timings() << std::flush;
}

namespace {
void on_interrupt(int) { g_interrupted = true; }
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

void require_root(const std::string& verb) {
  if (::geteuid() != 0)
    throw std::runtime_error("overlaylab " + verb +
                             " creates or enters network namespaces and needs root: run it with sudo");
}

std::string state_root() {
  const char* env = std::getenv("OVERLAYLAB_STATE_DIR");
  return env && *env ? env : lab::kDefaultStateRoot;
}

std::string data_root() {
  const char* env = std::getenv("OVERLAYLAB_DATA_DIR");
  return env && *env ? env : lab::kDefaultDataRoot;
}

}  // namespace ovl::overlaylab
