#include "core/lab/bringup.h"

#include <deque>
#include <fstream>
#include <thread>

#include "core/lab/services.h"
#include "core/overlay/lease.h"
#include "core/util/files.h"

namespace ovl::lab {
namespace fs = std::filesystem;
void wait_until(const Waiting& w, const std::string& what, const fs::path& log, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + w.timeout;
  while (!ready()) {
    if (w.cancel && w.cancel->load()) throw Interrupted();
    if (!os::alive(w.supervisor))
      throw std::runtime_error("the lab supervisor stopped while waiting for " + what + ":\n" +
                               log_tail(w.dir.path / "supervisor.log") + log_tail(log));
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("gave up after " + std::to_string(w.timeout.count()) + " s waiting for " + what +
                               "; " + log.string() + " ends with:\n" + log_tail(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void pin_subnets(const scenario::Scenario& s, const LabDir& dir) {
  for (const auto& node : s.nodes) {
    auto path = subnet_env_path(dir, node.name);
    fs::create_directories(path.parent_path());
    if (node.subnet) std::ofstream(path) << "FLANNEL_SUBNET=" << node.subnet->host(1).str() << "\n";
  }
}

os::ProcessId start_supervisor(const std::string& lab, const fs::path& root, const LabDir& dir, Journal& journal) {
  os::SpawnRequest req;
  req.argv = {os::self_exe().string(), "__supervise", lab, "--state-dir", root.string()};
  req.log = dir.path / "supervisor.log";
  req.cwd = dir.path;
  req.record = journal.process_record(kSupervisorRole);
  os::Child child(req);
  child.detach();
  return child.id();
}

std::optional<scenario::NodeLease> read_lease(const LabDir& dir, const std::string& node) {
  auto env = overlay::parse_subnet_env(util::read_file(subnet_env_path(dir, node)).value_or(""));
  // A pinned subnet.env has no MTU until overlayd writes it.
  if (!env || env->mtu <= 0) return std::nullopt;
  return scenario::NodeLease{env->subnet, env->mtu};
}

scenario::NodeLease wait_for_lease(const Waiting& w, const std::string& node) {
  std::optional<scenario::NodeLease> lease;
  wait_until(w, node + "'s lease (subnet.env)", w.dir.node(node) / "var/log/overlayd.log",
             [&] { return bool(lease = read_lease(w.dir, node)); });
  return *lease;
}

void wait_for_peers(const Waiting& w, const scenario::Scenario& s) {
  for (const auto& node : s.nodes) {
    wait_until(w, node.name + "'s overlayd to learn every peer", w.dir.node(node.name) / "var/log/overlayd.log",
               [&] {
                 auto status = read_status(w.dir, node.name);
                 return status && status->peers.size() + 1 == s.nodes.size();
               });
  }
}

std::map<std::string, scenario::NodeLease> read_leases(const LabDir& dir, const scenario::Scenario& s) {
  std::map<std::string, scenario::NodeLease> out;
  for (const auto& node : s.nodes)
    if (auto lease = read_lease(dir, node.name)) out[node.name] = *lease;
  return out;
}

std::string log_tail(const fs::path& log, size_t lines) {
  std::ifstream in(log);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back("  " + line + "\n");
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (auto& l : last) out += l;
  return out;
}

}  // namespace ovl::lab
