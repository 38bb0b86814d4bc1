#include "core/lab/services.h"

#include "core/os/dir_watch.h"
#include "core/overlay/lease.h"
#include "core/scenario/names.h"
#include "core/scenario/plan.h"
#include "core/util/files.h"

namespace ovl::lab {
namespace fs = std::filesystem;
namespace {

// Control files are one line, rewritten atomically while verbs and the
// supervisor read them: a reader never sees one half-written.
std::string read_line(const fs::path& path) {
  auto text = util::read_file(path).value_or("");
  return text.substr(0, text.find('\n'));
}

Service etcd_service(const scenario::Scenario& s, const std::string& lab, const LabDir& dir) {
  const auto& node = *s.find_node(s.overlay.etcd_node);
  auto home = dir.node(node.name);
  auto client = etcd_endpoint(s);
  // Peers talk on loopback: a one-member cluster needs no underlay for it.
  std::string peer = "http://127.0.0.1:2380";
  Service svc{"etcd", node.name, {}, dir.path / "services" / "etcd"};
  // var/lib/etcd links to the lab's data directory on disk (lab.h).
  svc.spawn.argv = {"/usr/bin/etcd", "--name", node.name, "--data-dir", (home / "var/lib/etcd").string(),
                    "--listen-client-urls", client + ",http://127.0.0.1:2379", "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", node.name + "=" + peer, "--log-level", "warn",
                    // One member on loopback: elect itself in tens of
                    // milliseconds rather than etcd's WAN-friendly second.
                    "--heartbeat-interval", "10", "--election-timeout", "100"};
  svc.spawn.netns = scenario::netns_name(lab, node.name);
  svc.spawn.log = home / "var/log/etcd.log";
  svc.spawn.cwd = home;
  return svc;
}

Service overlayd_service_for(const scenario::Scenario& s, const std::string& lab, const LabDir& dir,
                             const scenario::Node& node, const fs::path& overlayd) {
  auto home = dir.node(node.name);
  Service svc{overlayd_service(node.name), node.name, {}, dir.path / "services" / overlayd_service(node.name)};
  auto& argv = svc.spawn.argv;
  argv = {overlayd.string()};
  for (auto& flag : flanneld_flags(s, dir, node)) argv.push_back(std::move(flag));
  argv.push_back("--status-file=" + status_path(dir, node.name).string());
  if (s.overlay.store == scenario::Store::local) {
    argv.insert(argv.end(), {"--store=local", "--local-store-dir=" + local_store_path(dir).string()});
    // Root's inotify instances are few and shared with the whole host; a
    // large lab polls rather than take them.
    if (s.nodes.size() > kInotifyNodesMax)
      argv.push_back("--local-store-poll-ms=" + std::to_string(os::DirWatch::kPollInterval.count()));
  }
  svc.spawn.netns = scenario::netns_name(lab, node.name);
  svc.spawn.log = home / "var/log/overlayd.log";
  svc.spawn.cwd = home;
  return svc;
}

}  // namespace

std::string overlayd_service(const std::string& node) { return "overlayd@" + node; }

fs::path subnet_env_path(const LabDir& dir, const std::string& node) {
  return dir.node(node) / "run/flannel/subnet.env";
}

fs::path status_path(const LabDir& dir, const std::string& node) {
  return dir.node(node) / "run/overlayd/status.json";
}

fs::path local_store_path(const LabDir& dir) { return dir.path / "store"; }

std::string etcd_endpoint(const scenario::Scenario& s) {
  return "http://" + s.find_node(s.overlay.etcd_node)->ip.str() + ":" + std::to_string(kEtcdClientPort);
}

std::vector<Service> lab_services(const RunningLab& lab) {
  const auto& s = lab.scenario;
  auto overlayd = os::self_exe().parent_path() / "overlayd";
  std::vector<Service> out;
  if (s.overlay.store == scenario::Store::etcd) out.push_back(etcd_service(s, lab.name, lab.dir));
  for (const auto& node : s.nodes)
    if (!node.external()) out.push_back(overlayd_service_for(s, lab.name, lab.dir, node, overlayd));
  return out;
}

std::vector<std::string> flanneld_flags(const scenario::Scenario& s, const LabDir& dir, const scenario::Node& node) {
  std::vector<std::string> flags;
  if (s.overlay.store == scenario::Store::etcd)
    flags = {"--etcd-endpoints=" + etcd_endpoint(s), std::string("--etcd-prefix=") + overlay::kDefaultPrefix};
  flags.insert(flags.end(), {"--iface=" + node.iface, "--public-ip=" + node.ip.str(),
                             "--subnet-file=" + subnet_env_path(dir, node.name).string()});
  if (s.overlay.ip_masq) flags.push_back("--ip-masq");
  return flags;
}

std::string flanneld_command(const std::string& lab, const LabDir& dir, const scenario::Scenario& s,
                             const scenario::Node& node) {
  std::string out = "sudo overlaylab exec " + lab + " " + node.name + " -- flanneld";
  for (const auto& flag : flanneld_flags(s, dir, node)) out += " " + flag;
  return out;
}

std::optional<overlay::DaemonStatus> read_status(const LabDir& dir, const std::string& node) {
  return overlay::parse_daemon_status(util::read_file(status_path(dir, node)).value_or(""));
}

bool desired_running(const Service& s) { return read_line(s.desired_file()) != "stopped"; }

void set_desired(const Service& s, bool running) {
  util::write_file_atomically(s.desired_file(), running ? "running\n" : "stopped\n");
}

std::optional<os::ProcessId> running_pid(const Service& s) {
  auto id = os::ProcessId::parse(read_line(s.pid_file()));
  if (!id || !os::alive(*id)) return std::nullopt;
  return id;
}

std::string read_state(const Service& s) {
  auto line = read_line(s.state_file());
  if (line.empty()) return "not started";
  // The line is the supervisor's last word; a process that died with its
  // supervisor had no one left to update it.
  if (std::filesystem::exists(s.pid_file()) && !running_pid(s)) return "not running (last known: " + line + ")";
  return line;
}

os::SpawnRequest spawn_request(const Service& s) {
  auto req = s.spawn;
  if (auto dataplane = read_dataplane(s); !dataplane.empty()) req.argv.insert(req.argv.end(), {"--dataplane", dataplane});
  return req;
}

void set_dataplane(const Service& s, const std::string& dataplane) {
  util::write_file_atomically(s.dataplane_file(), dataplane + "\n");
}

std::string read_dataplane(const Service& s) { return read_line(s.dataplane_file()); }

}  // namespace ovl::lab
