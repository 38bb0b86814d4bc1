// Verbs about a running lab's processes: status, stop, start, restart, and
// the hidden __supervise that `up` starts.
#include <signal.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "core/daemon/udp_backend.h"
#include "core/lab/bringup.h"
#include "core/lab/journal.h"
#include "core/lab/services.h"
#include "core/lab/store_setup.h"
#include "core/lab/supervisor.h"
#include "core/os/holders.h"
#include "core/scenario/names.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/json_output.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace {

std::optional<os::ProcessId> supervisor_of(const lab::RunningLab& lab) {
  std::optional<os::ProcessId> found;
  for (const auto& p : lab::journal_processes(lab::Journal::read(lab.dir.journal())))
    if (p.role == lab::kSupervisorRole && os::alive(p.id)) found = p.id;
  return found;
}

void print_counters(const overlay::UdpStatus& udp) {
  const auto& c = udp.counters;
  std::cout << "  flannel0 -> udp: " << c.tun_rx_packets << " read, " << c.udp_tx_packets << " sent; "
            << "udp -> flannel0: " << c.udp_rx_packets << " received, " << c.tun_tx_packets << " written\n"
            << "  dropped: no route " << c.drop_no_route << ", ttl " << c.drop_ttl << ", malformed "
            << c.drop_malformed << ", truncated " << c.drop_truncated << "; ICMP unreachable sent "
            << c.icmp_unreachable_sent << "\n";
  const auto& b = udp.buffers;
  std::cout << "  socket buffers: " << b.rcvbuf << "/" << b.sndbuf << " bytes (receive/send), "
            << (b.kernel_default ? "the kernel's default, as Flannel's proxy" : "set by overlayd") << "\n";
  if (udp.dataplane != "fast") return;
  std::cout << "  fast path: " << c.tun_rx_super_packets << " super-packets split into " << c.gso_segments
            << " datagrams, " << c.udp_tx_gso_sends << " GSO sends; " << c.udp_rx_gro_buffers
            << " GRO batches received, " << c.coalesced_segments << " segments coalesced into "
            << c.tun_tx_super_packets << " super-packets\n";
}

void print_renewal(const overlay::DaemonStatus& s) {
  if (!s.lease_renew_error.empty())
    std::cout << "  lease renewal FAILING: " << s.lease_renew_error << "; next try " << s.lease_next_renewal << "\n";
  else
    std::cout << "  lease " << (s.lease_renewed.empty() ? "not renewed yet" : "renewed " + s.lease_renewed)
              << ", next renewal " << s.lease_next_renewal << "\n";
}

void print_unusable(const overlay::DaemonStatus& s) {
  if (s.unusable_seen == 0) return;
  std::cout << "  unusable lease values: " << s.unusable_seen << " met, " << s.unusable_leases.size() << " now\n";
  for (const auto& u : s.unusable_leases) std::cout << "    " << u.key << ": " << u.reason << "\n";
}

// A node whose daemon the lab did not start: what it wrote, and who holds
// its data path (udp) as /proc shows it.
void print_external(const lab::RunningLab& lab, const scenario::Node& node) {
  std::cout << node.name << ": " << scenario::daemon_name(node) << ", not started by the lab\n";
  if (auto lease = lab::read_lease(lab.dir, node.name))
    std::cout << "  subnet.env: " << lease->subnet.str() << ", MTU " << lease->mtu << "\n";
  else
    std::cout << "  no subnet.env yet: " << lab::flanneld_command(lab.name, lab.dir, lab.scenario, node) << "\n";
  if (lab.scenario.overlay.backend != scenario::Backend::udp) return;
  auto netns = scenario::netns_name(lab.name, node.name);
  auto tun = os::describe(os::tun_holders(netns, daemon::kUdpDevice));
  auto socket = os::describe(os::udp_holders(netns, lab.scenario.overlay.port));
  std::cout << "  " << daemon::kUdpDevice << " held by " << (tun.empty() ? "no process" : tun) << "; UDP "
            << lab.scenario.overlay.port << " held by " << (socket.empty() ? "no process" : socket) << "\n";
}

void print_node(const lab::RunningLab& lab, const scenario::Node& node, const lab::Service* svc) {
  auto s = lab::read_status(lab.dir, node.name);
  if (svc)
    std::cout << node.name << ": overlayd " << lab::read_state(*svc) << "\n";
  else
    print_external(lab, node);
  if (!s) return;
  std::cout << "  lease " << s->lease.str() << " (expires " << s->lease_expires << "), " << s->backend
            << " backend" << (s->udp ? " (" + s->udp->dataplane + " data plane)" : "") << ", MTU " << s->mtu
            << ", store " << (s->store.ok ? "ok" : "UNAVAILABLE") << "\n";
  print_renewal(*s);
  for (const auto& p : s->peers) {
    std::cout << "  peer " << p.subnet.str() << " -> " << p.public_ip.str();
    if (p.port) std::cout << ":" << *p.port;  // host-gw peers have none
    if (!p.problem.empty()) std::cout << ", NOT ROUTED: " << p.problem;
    std::cout << "\n";
  }
  print_unusable(*s);
  if (s->udp) print_counters(*s->udp);
}

const lab::Service* service_named(const std::vector<lab::Service>& services, const std::string& name) {
  for (const auto& s : services)
    if (s.name == name) return &s;
  return nullptr;
}

const lab::Service& find_service(const std::vector<lab::Service>& services, const std::string& name,
                                 const lab::RunningLab& lab) {
  if (auto* svc = service_named(services, name)) return *svc;
  for (const auto& node : lab.scenario.nodes)
    if (node.external() && name == lab::overlayd_service(node.name))
      throw UsageError("node " + node.name + "'s daemon is external (daemon=\"external\"): the lab does not start "
                       "or stop it; stop or start it where it runs");
  throw UsageError("lab '" + lab.name + "' has no service " + name);
}

// A started overlayd is ready once it has written its status: it does so
// after taking its lease, making its device and learning its peers.
bool ready(const lab::RunningLab& lab, const lab::Service& svc) {
  auto pid = lab::running_pid(svc);
  if (!pid) return false;
  if (svc.name == "etcd") return true;
  auto s = lab::read_status(lab.dir, svc.node);
  return s && s->pid == pid->pid;
}

// Tells the supervisor that desired states changed. When the last one is
// gone (its services died with it), a new one is started and journaled: it
// reads the desired states as it starts and brings back every service meant
// to run.
os::ProcessId notify_supervisor(const lab::RunningLab& lab) {
  if (auto supervisor = supervisor_of(lab)) {
    ::kill(supervisor->pid, SIGHUP);
    return *supervisor;
  }
  lab::Journal journal(lab.dir.journal());
  auto id = lab::start_supervisor(lab.name, lab.dir.path.parent_path(), lab.dir, journal);
  std::cout << "lab '" << lab.name << "' had no supervisor; started a new one (pid " << id.pid << ")\n";
  return id;
}

// Asks the supervisor to bring svc to the desired state and waits for it.
void change(const lab::RunningLab& lab, const lab::Service& svc, bool running) {
  lab::set_desired(svc, running);
  auto supervisor = notify_supervisor(lab);
  lab::Waiting waiting{lab.dir, supervisor, &g_interrupted, std::chrono::seconds(15)};
  // The supervisor removes the pid file once it has reaped the process and said so.
  lab::wait_until(waiting, svc.name + (running ? " to become ready" : " to stop"), svc.spawn.log,
                  [&] { return running ? ready(lab, svc) : !std::filesystem::exists(svc.pid_file()); });
  std::cout << svc.name << ": " << lab::read_state(svc) << "\n";
}

int service_verb(const VerbArgs& args, const char* verb, bool stop, bool start) {
  po::options_description opts("options");
  opts.add_options()("etcd", "the lab's etcd instead of a node's overlayd");
  if (start)
    opts.add_options()("dataplane", po::value<std::string>(),
                       "the node's udp data plane from this start on: simple (one packet per system call, "
                       "as Flannel's proxy) or fast (overlayd's default)");
  auto usage = std::string("overlaylab ") + verb + " LAB NODE" + (start ? " [--dataplane simple|fast]" : "") +
               " | overlaylab " + verb + " LAB --etcd";
  auto a = parse(args, usage, opts, {"lab", "node?"});
  if (a.help) return kOk;
  if (bool(a.vm.count("etcd")) == bool(a.vm.count("node"))) throw UsageError("name a node or give --etcd (" + usage + ")");
  auto dataplane = a.vm.count("dataplane") ? a.vm["dataplane"].as<std::string>() : "";
  if (!dataplane.empty() && dataplane != "simple" && dataplane != "fast")
    throw UsageError("--dataplane must be simple or fast, not '" + dataplane + "'");
  if (!dataplane.empty() && a.vm.count("etcd")) throw UsageError("--dataplane is for a node's overlayd, not --etcd");
  require_root(verb);
  auto lab = lab::open_lab(lab_argument(a), state_root());
  auto services = lab::lab_services(lab);
  auto name = a.vm.count("etcd") ? std::string("etcd") : lab::overlayd_service(a.vm["node"].as<std::string>());
  const auto& svc = find_service(services, name, lab);
  if (!dataplane.empty()) lab::set_dataplane(svc, dataplane);
  if (stop) change(lab, svc, false);
  if (start) change(lab, svc, true);
  return kOk;
}

}  // namespace

void restart_overlayd(const lab::RunningLab& lab, const std::string& node, const std::string& dataplane) {
  auto services = lab::lab_services(lab);
  const auto& svc = find_service(services, lab::overlayd_service(node), lab);
  if (!dataplane.empty()) lab::set_dataplane(svc, dataplane);
  change(lab, svc, false);
  change(lab, svc, true);
}

namespace {

std::atomic<bool> g_reload{false};
void on_hup(int) { g_reload = true; }

}  // namespace

int verb_status(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("json", "print it as one JSON object (overlaylab(1) lists its keys)");
  auto a = parse(args, "overlaylab status LAB [--json]", opts, {"lab"});
  if (a.help) return kOk;
  auto lab = lab::open_lab(lab_argument(a), state_root());
  auto services = lab::lab_services(lab);
  if (a.vm.count("json")) {
    std::cout << status_json(lab, services, supervisor_of(lab).has_value()).dump(2) << "\n";
    return kOk;
  }
  const auto& o = lab.scenario.overlay;
  std::cout << "lab " << lab.name << ": " << to_string(o.backend) << " backend over " << o.network.str()
            << ", supervisor "
            << (supervisor_of(lab) ? "running"
                                   : "NOT RUNNING, and its services stopped with it (`overlaylab start " + lab.name +
                                         " NODE` starts a new one)")
            << "\n";
  if (o.store == scenario::Store::etcd)
    std::cout << "etcd on " << o.etcd_node << " (" << lab::etcd_endpoint(lab.scenario)
              << "): " << lab::read_state(find_service(services, "etcd", lab)) << "\n";
  else
    std::cout << "store: local, " << lab::local_store_path(lab.dir).string() << "\n";
  for (const auto& node : lab.scenario.nodes)
    print_node(lab, node, service_named(services, lab::overlayd_service(node.name)));
  return kOk;
}

int verb_stop(const VerbArgs& args) { return service_verb(args, "stop", true, false); }
int verb_start(const VerbArgs& args) { return service_verb(args, "start", false, true); }
int verb_restart(const VerbArgs& args) { return service_verb(args, "restart", true, true); }

int verb_supervise(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("state-dir", po::value<std::string>(), "lab state root");
  auto a = parse(args, "overlaylab __supervise LAB --state-dir DIR", opts, {"lab"});
  if (a.help) return kOk;
  auto root = a.vm.count("state-dir") ? a.vm["state-dir"].as<std::string>() : state_root();
  auto lab = lab::open_lab(lab_argument(a), root);
  install_interrupt_handlers();
  struct sigaction sa {};
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, nullptr);
  lab::Journal journal(lab.dir.journal());
  auto store_ready = [&] {
    auto store = lab::open_lab_store(lab.scenario, lab.name, lab.dir);
    lab::prepare_store(*store.store, lab.scenario, std::chrono::seconds(30));
    std::cerr << "supervisor: network config written to " << store->describe() << std::endl;
  };
  lab::Supervisor supervisor(lab::lab_services(lab), journal, lab.dir.journal(), store_ready, std::cerr);
  supervisor.run(g_interrupted, g_reload);
  return kOk;
}

}  // namespace ovl::overlaylab
