#include "core/lab/supervisor.h"

#include <algorithm>
#include <iostream>
#include <thread>

#include "core/os/parallel.h"
#include "core/util/files.h"

namespace ovl::lab {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto kFirstBackoff = 1s, kMaxBackoff = 8s, kHealthy = 30s;
constexpr size_t kFileThreads = 4;

std::string now_text() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

Supervisor::Supervisor(std::vector<Service> services, Journal& journal, std::filesystem::path journal_path,
                       std::function<void()> store_ready, std::ostream& log)
    : services_(std::move(services)), journal_(journal), journal_path_(std::move(journal_path)),
      store_ready_(std::move(store_ready)), log_(log) {}

void Supervisor::say(const Service& svc, const std::string& state) {
  util::write_file_atomically(svc.state_file(), state + "\n");
  log_line(svc, state);
}

void Supervisor::log_line(const Service& svc, const std::string& state) {
  log_ << now_text() << " supervisor: " << svc.name << ": " << state << std::endl;
}

// The pid file goes last: a verb waiting for it to vanish then reads the
// stopped state, not the running one it replaced.
void Supervisor::forget(const Service& svc, const std::string& state) {
  running_.erase(svc.name);
  say(svc, state);
  std::filesystem::remove(svc.pid_file());
}

void Supervisor::start(const Service& svc) {
  prepare(svc);
  spawn(svc);
  announce(svc);
  log_line(svc, state_of(svc));
}

void Supervisor::prepare(const Service& svc) {
  std::filesystem::create_directories(svc.spawn.log.parent_path());
  std::filesystem::create_directories(svc.dir);
}

void Supervisor::spawn(const Service& svc) {
  auto request = spawn_request(svc);
  // A service outlives neither its record nor this supervisor: a supervisor
  // killed outright takes its services with it, and the lab's status says so.
  request.record = journal_.process_record(svc.name);
  request.die_with_parent = true;
  os::Child child(request);
  running_.erase(svc.name);
  running_.emplace(svc.name, Running{std::move(child), Clock::now()});
  restart_at_.erase(svc.name);
}

std::string Supervisor::state_of(const Service& svc) const {
  return "running since " + now_text() + " (pid " + std::to_string(running_.at(svc.name).child.id().pid) + ")";
}

// The control files: what verbs read. Safe to run for several services at once.
void Supervisor::announce(const Service& svc) const {
  util::write_file_atomically(svc.pid_file(), running_.at(svc.name).child.id().str() + "\n");
  util::write_file_atomically(svc.state_file(), state_of(svc) + "\n");
}

// At start-up every wanted service starts at once. On a disk-backed /run the
// directories and control files cost more than the spawn (measured: 13 ms a
// service, 3 of them spawning), so those run on a few threads around spawns
// made one after another.
void Supervisor::start_all() {
  std::vector<const Service*> wanted;
  for (const auto& svc : services_)
    if (desired_running(svc)) wanted.push_back(&svc);
  auto begun = Clock::now();
  os::in_parallel(wanted.size(), [&](size_t i) { prepare(*wanted[i]); }, kFileThreads);
  auto prepared = Clock::now();
  for (const auto* svc : wanted) {
    spawn(*svc);
    if (svc->name != "etcd") continue;
    announce(*svc);
    store_ready_();  // before any overlayd
  }
  auto spawned = Clock::now();
  os::in_parallel(wanted.size(), [&](size_t i) { announce(*wanted[i]); }, kFileThreads);
  for (const auto* svc : wanted) log_line(*svc, state_of(*svc));
  auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  log_ << now_text() << " supervisor: started " << wanted.size() << " services in " << ms(Clock::now() - begun)
       << " ms (directories " << ms(prepared - begun) << " ms, spawning " << ms(spawned - prepared) << " ms)"
       << std::endl;
}

void Supervisor::stop(const Service& svc) {
  auto it = running_.find(svc.name);
  if (it == running_.end()) return;
  os::terminate(it->second.child.id());
  it->second.child.exited();
  forget(svc, "stopped at " + now_text());
}

void Supervisor::reap() {
  for (const auto& svc : services_) {
    auto it = running_.find(svc.name);
    std::string status;
    if (it == running_.end() || !it->second.child.exited(&status)) continue;
    auto& backoff = backoff_[svc.name];
    backoff = Clock::now() - it->second.since > kHealthy || backoff == 0s ? kFirstBackoff
                                                                         : std::min(backoff * 2, kMaxBackoff);
    if (!desired_running(svc)) {
      forget(svc, "stopped (" + status + ")");
      continue;
    }
    restart_at_[svc.name] = Clock::now() + backoff;
    forget(svc, status + " at " + now_text() + "; restarting in " + std::to_string(backoff.count()) + " s");
  }
}

void Supervisor::apply_desired_states() {
  for (const auto& svc : services_) {
    bool want = desired_running(svc), have = running_.count(svc.name);
    if (!want && have) stop(svc);
    if (!want) restart_at_.erase(svc.name);
    if (want && !have && !restart_at_.count(svc.name)) restart_at_[svc.name] = Clock::now();
  }
}

void Supervisor::restart_due() {
  for (const auto& svc : services_) {
    auto it = restart_at_.find(svc.name);
    if (it == restart_at_.end() || Clock::now() < it->second) continue;
    try {
      start(svc);
    } catch (const std::exception& e) {
      restart_at_[svc.name] = Clock::now() + kMaxBackoff;
      say(svc, std::string("could not start: ") + e.what());
    }
  }
}

void Supervisor::run(const std::atomic<bool>& stop_flag, std::atomic<bool>& reload) {
  // Nothing runs yet: what an earlier supervisor of this lab left behind
  // (killed outright, its services died with it) is history.
  for (const auto& svc : services_)
    if (std::filesystem::exists(svc.pid_file())) forget(svc, "not running (its supervisor was gone)");
  bool has_store_service = std::any_of(services_.begin(), services_.end(), [](auto& s) { return s.name == "etcd"; });
  try {
    if (!has_store_service) store_ready_();
    start_all();
  } catch (...) {
    stop_all();  // nothing a failed bring-up started outlives it
    throw;
  }
  auto next_check = Clock::now();
  while (!stop_flag) {
    std::this_thread::sleep_for(100ms);
    reap();
    if (reload.exchange(false)) apply_desired_states();
    restart_due();
    if (Clock::now() >= next_check) {
      // A lab torn down without us (down after a crash) takes us with it.
      if (!std::filesystem::exists(journal_path_)) break;
      next_check = Clock::now() + 1s;
    }
  }
  stop_all();
}

// Daemons and the store together: the daemons cope with the store leaving.
void Supervisor::stop_all() {
  std::vector<os::ProcessId> ids;
  for (auto& [name, r] : running_) ids.push_back(r.child.id());
  // The lab is going: a daemon has nothing to save, and one caught waiting
  // on its store would hold every `down` up by its poll interval.
  os::terminate_all(ids, std::chrono::milliseconds(100));
  for (const auto& svc : services_) {
    auto it = running_.find(svc.name);
    if (it == running_.end()) continue;
    it->second.child.exited();
    forget(svc, "stopped at " + now_text());
  }
}

}  // namespace ovl::lab
