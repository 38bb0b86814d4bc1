#include "core/lab/lab.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <set>

#include "core/lab/bringup.h"
#include "core/lab/executor.h"
#include "core/lab/journal.h"
#include "core/lab/services.h"
#include "core/os/file_lock.h"
#include "core/os/process.h"
#include "core/scenario/diagnostics.h"
#include "core/scenario/names.h"
#include "core/scenario/plan.h"
#include "core/scenario/validate.h"
#include "core/util/files.h"

namespace ovl::lab {
namespace fs = std::filesystem;
namespace {

// Every namespace the lab will create must be free: a lab never adopts or
// deletes a namespace it did not make.
void check_names_free(const scenario::Scenario& s, const std::string& lab, scenario::NetworkOps& net) {
  std::vector<std::string> names{scenario::fabric_netns_name(lab)};
  for (const auto& host : s.host_names()) names.push_back(scenario::netns_name(lab, host));
  for (const auto& ns : names)
    if (net.netns_exists(ns))
      throw std::runtime_error("namespace " + ns + " already exists and lab '" + lab +
                               "' has no record of making it, so it is left alone; if it is a "
                               "leftover of yours (`ip netns pids " + ns + "` shows no process), "
                               "`ip netns del " + ns + "` removes it");
}

// etcd's data lives on disk, under a name that holds the journal's inode so
// that no other lab, and no earlier life of this one, owns it; the node's
// var/lib/etcd links to it, where a student would look.
void make_store_dir(const UpRequest& r, const LabDir& dir, Journal& journal) {
  const auto& s = *r.scenario;
  if (s.overlay.store != scenario::Store::etcd) return;
  struct stat st {};
  if (::stat(dir.journal().c_str(), &st) != 0) throw std::system_error(errno, std::generic_category(), "stat journal");
  auto data = r.data_root / (r.lab + "." + std::to_string(st.st_ino));
  journal.record("dir", data.string());
  auto etcd = data / s.overlay.etcd_node / "etcd";
  fs::create_directories(etcd);
  fs::permissions(etcd, fs::perms::owner_all, fs::perm_options::replace);  // as etcd wants it
  auto link = dir.node(s.overlay.etcd_node) / "var/lib/etcd";
  fs::create_directories(link.parent_path());
  fs::create_directory_symlink(etcd, link);
}

// Nodes with daemon="external" get no overlayd: the user is told how to
// start flanneld there, all at once, before the lab waits on any of them.
void announce_external(const UpRequest& r, const LabDir& dir) {
  if (!r.notes) return;
  for (const auto& node : r.scenario->nodes) {
    if (!node.external()) continue;
    *r.notes << node.name << " has daemon=\"external\": the lab starts none there. Start flanneld (v0.18 or "
                << "later speaks etcd's v3 API) in " << node.name << ", as root:\n  "
                << flanneld_command(r.lab, dir, *r.scenario, node) << "\nwaiting up to "
                << r.external_timeout.count() << " s for it to write " << subnet_env_path(dir, node.name).string()
                << std::endl;
  }
}

void build(const UpRequest& r, const LabDir& dir, scenario::NetworkOps& net, Progress& progress) {
  const auto& s = *r.scenario;
  Journal journal(dir.journal());
  journal.crash_after(r.crash_after);
  journal.record("lab", r.lab);
  Executor executor(net, journal, dir.path, s.file, r.cancel);
  {
    auto plan = scenario::plan_underlay(s, r.lab);
    Phase phase(progress, "underlay", plan.steps.size());
    executor.apply(plan, [&](size_t done) { phase.advance(done); });
  }
  pin_subnets(s, dir);
  make_store_dir(r, dir, journal);
  Waiting waiting{dir, start_supervisor(r.lab, r.root, dir, journal), r.cancel};
  announce_external(r, dir);
  std::map<std::string, scenario::NodeLease> leases;
  {
    Phase phase(progress, "leases", s.nodes.size());
    leases = wait_for_leases(waiting, s, phase);
    Waiting patient = waiting;
    patient.timeout = r.external_timeout;
    for (const auto& node : s.nodes)
      if (node.external())
        leases[node.name] = wait_for_external_lease(patient, node.name, flanneld_command(r.lab, dir, s, node), r.notes);
  }
  {
    Phase phase(progress, "containers", s.nodes.size());
    for (size_t i = 0; i < s.nodes.size(); ++i) {
      const auto& node = s.nodes[i];
      executor.apply(scenario::plan_node(s, r.lab, node, leases.at(node.name)));
      phase.advance(i + 1);
    }
  }
  {
    Phase phase(progress, "peers", s.nodes.size());
    wait_for_peers(waiting, s, phase);
  }
  journal.record("up");
}

// Everything at once: a supervisor restarts nothing sooner than its first
// back-off (1 s), it is gone well before that, and whatever it might start
// meanwhile dies with it. A daemon has nothing to save when its lab goes.
void stop_processes(const std::vector<JournalEntry>& entries, Progress& progress) {
  std::vector<os::ProcessId> all;
  for (const auto& p : journal_processes(entries)) all.push_back(p.id);
  Phase phase(progress, "processes", all.size());
  os::terminate_all(all, std::chrono::milliseconds(300));
}

// Leaves a root (/run/overlaylab, /var/lib/overlaylab) as it was when no
// lab is left in it.
void remove_root_if_empty(const fs::path& root) {
  std::error_code ignored;
  fs::remove(root, ignored);  // fails, harmlessly, while any lab is in it
}

void teardown(const LabDir& dir, scenario::NetworkOps& net, Progress& progress) {
  auto entries = Journal::read(dir.journal());
  stop_processes(entries, progress);
  std::vector<std::string> failures;
  auto namespaces = journal_namespaces(entries);
  Phase phase(progress, "namespaces", namespaces.size());
  for (auto it = namespaces.rbegin(); it != namespaces.rend(); ++it) {
    phase.advance(size_t(it - namespaces.rbegin()));
    try {
      net.delete_netns(it->name, it->id);  // false: the name is someone else's now
    } catch (const std::exception& e) {
      failures.push_back(e.what());
    }
  }
  for (const auto& e : entries) {
    if (e.kind != "dir") continue;
    std::error_code ec;
    fs::remove_all(e.rest, ec);
    if (ec) failures.push_back("removing " + e.rest + ": " + ec.message());
    remove_root_if_empty(fs::path(e.rest).parent_path());
  }
  if (!failures.empty())
    throw std::runtime_error("teardown left objects behind: " + failures.front() +
                             " (the journal is kept in " + dir.path.string() + ")");
  fs::remove_all(dir.path);
}

}  // namespace

LabDir lab_dir(const fs::path& root, const std::string& lab) {
  if (auto problem = scenario::lab_name_problem(lab); !problem.empty())
    throw std::invalid_argument("lab name " + scenario::quoted(lab) + " cannot name a lab: " + problem);
  return LabDir{root / lab};
}

void up(const UpRequest& r, scenario::NetworkOps& net) {
  LabDir dir = lab_dir(r.root, r.lab);
  bool fresh = fs::create_directories(dir.path);
  os::FileLock lock(dir.lock(), false);
  if (fs::exists(dir.journal()))
    throw std::runtime_error("lab '" + r.lab + "' is already up (or a previous run stopped "
                             "half-way); run `overlaylab down " + r.lab + "` first");
  try {
    check_names_free(*r.scenario, r.lab, net);
  } catch (...) {
    if (fresh) fs::remove_all(dir.path);
    remove_root_if_empty(r.root);
    throw;
  }
  std::ofstream(dir.scenario(), std::ios::binary) << r.scenario_text;
  NoProgress quiet;
  Progress& progress = r.progress ? *r.progress : quiet;
  try {
    build(r, dir, net, progress);
  } catch (...) {
    try {
      teardown(dir, net, quiet);
      remove_root_if_empty(r.root);
    } catch (const std::exception&) {
      // The original failure matters more; the journal keeps what is left.
    }
    throw;
  }
}

bool down(const std::string& lab, scenario::NetworkOps& net, const fs::path& root, Progress* progress) {
  LabDir dir = lab_dir(root, lab);
  if (!fs::exists(dir.path)) return false;
  {
    os::FileLock lock(dir.lock(), true);
    NoProgress quiet;
    teardown(dir, net, progress ? *progress : quiet);
  }
  remove_root_if_empty(root);
  return true;
}

std::vector<LabSummary> list(const fs::path& root) {
  std::vector<LabSummary> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::directory_iterator(root)) {
    // Only what a lab could have made: `down --all` must not reach elsewhere.
    if (!entry.is_directory() || !scenario::lab_name_problem(entry.path().filename().string()).empty()) continue;
    LabSummary summary{entry.path().filename().string()};
    for (const auto& e : Journal::read(LabDir{entry.path()}.journal())) {
      summary.namespaces += e.kind == "netns";
      summary.complete = summary.complete || e.kind == "up";
    }
    out.push_back(summary);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

RunningLab open_lab(const std::string& lab, const fs::path& root) {
  LabDir dir = lab_dir(root, lab);
  if (!fs::exists(dir.scenario()))
    throw std::runtime_error("there is no lab '" + lab + "' (see `overlaylab list`)");
  auto loaded = scenario::load_text(util::read_file(dir.scenario()).value_or(""), dir.scenario().string());
  if (!loaded.ok()) throw std::runtime_error("lab '" + lab + "' has an unreadable scenario:\n" + loaded.diags.format());
  return RunningLab{lab, dir, std::move(loaded.scenario)};
}

}  // namespace ovl::lab
