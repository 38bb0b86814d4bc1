#include "core/lab/bringup.h"

#include <deque>
#include <fstream>
#include <ostream>
#include <thread>

#include "core/lab/services.h"
#include "core/overlay/lease.h"
#include "core/util/files.h"

namespace ovl::lab {
namespace fs = std::filesystem;
namespace {

void check_waiting(const Waiting& w, const std::string& what, const fs::path& log,
                   std::chrono::steady_clock::time_point deadline) {
  if (w.cancel && w.cancel->load()) throw Interrupted();
  if (!os::alive(w.supervisor))
    throw std::runtime_error("the lab supervisor stopped while waiting for " + what + ":\n" +
                             log_tail(w.dir.path / "supervisor.log") + log_tail(log));
  if (std::chrono::steady_clock::now() > deadline)
    throw std::runtime_error("gave up after " + std::to_string(w.timeout.count()) + " s waiting for " + what +
                             (log.empty() ? "" : "; " + log.string() + " ends with:\n" + log_tail(log)));
}

fs::path overlayd_log(const LabDir& dir, const std::string& node) { return dir.node(node) / "var/log/overlayd.log"; }

// Polls every node until ready(node) holds for all: one pass over the nodes
// still waiting per round, so n nodes cost n checks a round, not n waits in
// a row. The deadline moves with every node that becomes ready.
void wait_for_all(const Waiting& w, const scenario::Scenario& s, const std::string& what, Phase& phase,
                  const std::function<bool(const scenario::Node&)>& ready) {
  std::vector<const scenario::Node*> waiting;
  for (const auto& n : s.nodes) waiting.push_back(&n);
  auto deadline = std::chrono::steady_clock::now() + w.timeout;
  while (true) {
    size_t before = waiting.size();
    std::erase_if(waiting, [&](const scenario::Node* n) { return ready(*n); });
    if (waiting.size() < before) {
      deadline = std::chrono::steady_clock::now() + w.timeout;
      phase.advance(s.nodes.size() - waiting.size());
    }
    if (waiting.empty()) return;
    check_waiting(w, waiting.front()->name + "'s " + what, overlayd_log(w.dir, waiting.front()->name), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

void wait_until(const Waiting& w, const std::string& what, const fs::path& log, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + w.timeout;
  while (!ready()) {
    check_waiting(w, what, log, deadline);
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

std::map<std::string, scenario::NodeLease> wait_for_leases(const Waiting& w, const scenario::Scenario& s,
                                                           Phase& phase) {
  std::map<std::string, scenario::NodeLease> leases;
  wait_for_all(w, s, "lease (subnet.env)", phase, [&](const scenario::Node& node) {
    if (node.external()) return true;
    auto lease = read_lease(w.dir, node.name);
    if (lease) leases[node.name] = *lease;
    return bool(lease);
  });
  return leases;
}

scenario::NodeLease wait_for_external_lease(const Waiting& w, const std::string& node, const std::string& command,
                                            std::ostream* progress) {
  auto file = subnet_env_path(w.dir, node);
  auto start = std::chrono::steady_clock::now();
  auto next_note = start + std::chrono::seconds(10);
  std::optional<scenario::NodeLease> lease;
  auto ready = [&] {
    if (lease = read_lease(w.dir, node); lease) return true;
    if (progress && std::chrono::steady_clock::now() >= next_note) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(next_note - start);
      *progress << "  still waiting for " << file.string() << " (" << waited.count() << " s of "
                << w.timeout.count() << " s)" << std::endl;
      next_note += std::chrono::seconds(10);
    }
    return false;
  };
  wait_until(w, node + "'s external daemon to write " + file.string() + " (start it with: " + command + ")", "",
             ready);
  return *lease;
}

void wait_for_peers(const Waiting& w, const scenario::Scenario& s, Phase& phase) {
  wait_for_all(w, s, "overlayd to learn every peer", phase, [&](const scenario::Node& node) {
    if (node.external()) return true;
    auto status = read_status(w.dir, node.name);
    return status && status->peers.size() + 1 == s.nodes.size();
  });
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
